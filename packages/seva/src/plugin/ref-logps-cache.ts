import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The cache file name inside the run folder. */
export const REF_LOGPS_FILE = 'seva-ref-logps.jsonl';

/**
 * Reference log-probs by scored sequence, computed once and kept for the rest of the run and for
 * resumed runs (TRL's `precompute_ref_log_probs`, filled lazily). Values are SUMMED log-probs;
 * IPO's average is derived from the token count, so one cache serves both loss types.
 *
 * On disk: JSON Lines `{"k": key, "v": logp}` appended after each step; a torn last line is ignored.
 */
export class RefLogpsCache {
  private readonly values = new Map<string, number>();
  private pending: string[] = [];

  /** @param path the JSONL file, or undefined to keep the cache in memory only. */
  constructor(readonly path?: string) {
    if (!path || !existsSync(path)) return;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as { k?: unknown; v?: unknown };
        if (typeof r.k === 'string' && typeof r.v === 'number') this.values.set(r.k, r.v);
      } catch {
        // A line cut short by a crash: that sequence is simply computed again.
      }
    }
  }

  /** The key of one scored sequence: the pair, its image, prompt, response and truncation length. */
  static key(parts: { id: string; image?: string; prompt: string; response: string; maxLength: number }): string {
    return createHash('sha1').update(JSON.stringify([parts.id, parts.image ?? '', parts.prompt, parts.response, parts.maxLength])).digest('hex');
  }

  get size(): number {
    return this.values.size;
  }

  get(key: string): number | undefined {
    return this.values.get(key);
  }

  set(key: string, value: number): void {
    if (this.values.has(key)) return;
    this.values.set(key, value);
    this.pending.push(JSON.stringify({ k: key, v: value }));
  }

  /** Appends the new entries to the file. */
  flush(): void {
    if (!this.path || this.pending.length === 0) return;
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, `${this.pending.join('\n')}\n`);
    this.pending = [];
  }
}
