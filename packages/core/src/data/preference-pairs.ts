import { createWriteStream, existsSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, relative } from 'node:path';
import type { ImageDecoder } from './image-decoder.js';
import { JsonlIndex } from './jsonl-index.js';
import { attachImage, readerDecoder, resolveImagePath, type ReaderImageOptions } from './sample-images.js';
import type { Dataset, Sample } from './types.js';

/** The on-disk layouts {@link preferencePairs} reads. */
export type PreferenceLayout = 'trl' | 'seva';

/**
 * The internal form of one preference pair: an image, a prompt, and a preferred (`chosen`) and a
 * dispreferred (`rejected`) response. `image` is a path (relative paths resolve against the image root).
 */
export interface PreferencePair {
  id: string;
  image?: string;
  prompt: string;
  chosen: string;
  rejected: string;
}

/** A preference pair as a dataset sample: the pair's text plus the decoded image. */
export interface PreferenceSample extends Sample {
  prompt: string;
  chosen: string;
  rejected: string;
  /** Which layout the line was read as. */
  layout: PreferenceLayout;
  /** Resolved path of the (first) image; absent for text-only pairs. */
  imagePath?: string;
  /** All image paths when a TRL line lists several (the model uses the first). */
  imagePaths?: string[];
}

/** Options of {@link preferencePairs}. */
export interface PreferencePairsOptions extends ReaderImageOptions {
  /** Force a layout; default `'auto'` detects it per line (see {@link detectPreferenceLayout}). */
  layout?: PreferenceLayout | 'auto';
  /** Check at load time that every referenced image file exists (default true). */
  checkImages?: boolean;
  /** Remove a leading `<image>` placeholder (LLaVA/SeVa prompts) from prompts (default true). */
  stripImagePlaceholder?: boolean;
}

/**
 * The layout of one record: SeVa when it has `reject` or a `question` without `prompt`, else TRL.
 * TRL: `{prompt, chosen, rejected, images: [path] | image}`, where prompt/chosen/rejected are strings
 * or conversational message lists. SeVa: `{question, chosen, reject, image | image_id}`.
 */
export function detectPreferenceLayout(record: Record<string, unknown>): PreferenceLayout {
  if ('reject' in record && !('rejected' in record)) return 'seva';
  if ('question' in record && !('prompt' in record)) return 'seva';
  return 'trl';
}

type Fail = (message: string) => Error;

/** Text of a TRL value: a string, or a conversational list of messages whose text parts are joined. */
function flattenText(value: unknown, field: string, fail: Fail): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) throw fail(`field "${field}" must be a string or a list of {role, content} messages`);
  return value
    .map((msg: unknown, k: number) => {
      const content = (msg as { content?: unknown } | null)?.content;
      if (typeof content === 'string') return content;
      if (Array.isArray(content)) {
        return content
          .filter((part: { type?: unknown }) => part && part.type === 'text')
          .map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : ''))
          .join('');
      }
      throw fail(`field "${field}"[${k}] must be a message {role, content: string | [{type, text}]}`);
    })
    .join('\n');
}

function imagePathsOf(value: unknown, field: string, fail: Fail): string[] {
  const one = (v: unknown): string => {
    if (typeof v === 'string' && v !== '') return v;
    if (v && typeof v === 'object' && typeof (v as { path?: unknown }).path === 'string') return (v as { path: string }).path;
    throw fail(`field "${field}" must hold image paths (strings or {path})`);
  };
  return Array.isArray(value) ? value.map(one) : [one(value)];
}

/** Splits TRL's implicit-prompt form (whole conversations in chosen/rejected) at their shared prefix. */
function splitImplicitPrompt(chosen: unknown[], rejected: unknown[]): [unknown[], unknown[], unknown[]] {
  let k = 0;
  while (k < chosen.length - 1 && k < rejected.length - 1 && JSON.stringify(chosen[k]) === JSON.stringify(rejected[k])) k++;
  return [chosen.slice(0, k), chosen.slice(k), rejected.slice(k)];
}

interface ParsedPair {
  id: string;
  prompt: string;
  chosen: string;
  rejected: string;
  images: string[];
  layout: PreferenceLayout;
}

function toPair(value: unknown, index: number, layout: PreferenceLayout | 'auto', stripPlaceholder: boolean, fail: Fail): ParsedPair {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('expected a JSON object');
  const v = value as Record<string, unknown>;
  const used = layout === 'auto' ? detectPreferenceLayout(v) : layout;
  const need = (field: string) => {
    if (v[field] === undefined || v[field] === null) throw fail(`missing required field "${field}" (${used === 'trl' ? 'TRL' : 'SeVa'} layout)`);
    return v[field];
  };
  let prompt: string;
  let chosen: string;
  let rejected: string;
  let images: string[] = [];
  if (used === 'trl') {
    const c = need('chosen');
    const r = need('rejected');
    if (v.prompt === undefined && Array.isArray(c) && Array.isArray(r)) {
      const [p, cc, rr] = splitImplicitPrompt(c, r);
      prompt = flattenText(p, 'prompt', fail);
      chosen = flattenText(cc, 'chosen', fail);
      rejected = flattenText(rr, 'rejected', fail);
    } else {
      prompt = flattenText(need('prompt'), 'prompt', fail);
      chosen = flattenText(c, 'chosen', fail);
      rejected = flattenText(r, 'rejected', fail);
    }
    if (v.images !== undefined && v.images !== null) images = imagePathsOf(v.images, 'images', fail);
    else if (v.image !== undefined && v.image !== null) images = imagePathsOf(v.image, 'image', fail);
  } else {
    prompt = flattenText(need('question'), 'question', fail);
    chosen = flattenText(need('chosen'), 'chosen', fail);
    rejected = flattenText(need('reject'), 'reject', fail);
    const img = v.image ?? v.image_id;
    if (img === undefined || img === null) throw fail('missing required field "image" (SeVa layout; "image_id" is accepted too)');
    images = imagePathsOf(img, v.image !== undefined ? 'image' : 'image_id', fail);
  }
  if (stripPlaceholder) prompt = prompt.replace(/^\s*<image>\s*/, '');
  const id = typeof v.id === 'string' || typeof v.id === 'number' ? String(v.id) : String(index);
  return { id, prompt, chosen, rejected, images, layout: used };
}

/** Where the pairs come from: a JSONL index (lazy) or a parsed JSON array (SeVa's `json.dump`). */
type PairSource = { kind: 'jsonl'; index: JsonlIndex } | { kind: 'array'; items: unknown[] };

/** Preference pairs (TRL or SeVa layout) as a random-access {@link Dataset}. */
export class PreferencePairs implements Dataset<PreferenceSample> {
  /** @internal use {@link preferencePairs}. */
  constructor(
    readonly source: string,
    private readonly src: PairSource,
    private readonly imageRoot: string,
    private readonly decoder: ImageDecoder | undefined,
    private readonly options: PreferencePairsOptions,
  ) {}

  get length(): number {
    return this.src.kind === 'jsonl' ? this.src.index.length : this.src.items.length;
  }

  /** Images skipped so far (`onError: 'skip'`). */
  get skippedImages(): number {
    return this.decoder?.skipped ?? 0;
  }

  /** The pair at `i` without decoding its image (paths resolved against the image root). */
  async pair(i: number): Promise<PreferencePair & { layout: PreferenceLayout; images: string[] }> {
    const { value, where } = await this.raw(i);
    const p = toPair(value, i, this.options.layout ?? 'auto', this.options.stripImagePlaceholder ?? true, (m) => new Error(`${where}: ${m}`));
    const images = p.images.map((im) => resolveImagePath(this.imageRoot, im));
    return { id: p.id, prompt: p.prompt, chosen: p.chosen, rejected: p.rejected, image: images[0], images, layout: p.layout };
  }

  async get(i: number): Promise<PreferenceSample> {
    const p = await this.pair(i);
    const sample: PreferenceSample = { id: p.id, prompt: p.prompt, chosen: p.chosen, rejected: p.rejected, layout: p.layout };
    if (p.images.length > 1) sample.imagePaths = p.images;
    if (!p.image) return sample;
    return attachImage(sample, p.image, this.decoder, (await this.raw(i)).where);
  }

  private async raw(i: number): Promise<{ value: unknown; where: string }> {
    if (this.src.kind === 'jsonl') {
      return { value: await this.src.index.read(i), where: `${this.source}:${this.src.index.lineNumber(i)}` };
    }
    if (!Number.isInteger(i) || i < 0 || i >= this.src.items.length) throw new RangeError(`${this.source}: index ${i} out of range [0, ${this.length})`);
    return { value: this.src.items[i], where: `${this.source}: item ${i}` };
  }
}

async function startsWithBracket(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`File not found: ${path}`, { cause: err });
    throw err;
  }
  try {
    const buf = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buf, 0, 256, 0);
    const head = buf.subarray(0, bytesRead).toString('utf8').replace(/^\ufeff/, '').trimStart();
    return head.startsWith('[');
  } finally {
    await handle.close();
  }
}

/**
 * Opens a preference-pair file: JSON Lines (streamed and indexed), or one JSON array (as SeVa's
 * scripts write; parsed whole). Each record is read in TRL or SeVa layout (auto-detected per record
 * unless `layout` forces one) and converted to {@link PreferencePair}. Every record is checked at load
 * time: a missing field fails with file, line (or item) and field; with `checkImages` (default) an
 * image that does not exist fails with the line and the resolved path.
 */
export async function preferencePairs(path: string, options: PreferencePairsOptions = {}): Promise<PreferencePairs> {
  const imageRoot = options.imageRoot ?? dirname(path);
  const layout = options.layout ?? 'auto';
  const strip = options.stripImagePlaceholder ?? true;
  const checkImages = options.checkImages ?? true;
  const check = (value: unknown, index: number, where: string) => {
    const fail: Fail = (m) => new Error(`${where}: ${m}`);
    const p = toPair(value, index, layout, strip, fail);
    if (checkImages) {
      for (const im of p.images) {
        const resolved = resolveImagePath(imageRoot, im);
        if (!existsSync(resolved)) throw fail(`image not found: ${resolved} (from "${im}", image root ${imageRoot})`);
      }
    }
  };
  let src: PairSource;
  if (await startsWithBracket(path)) {
    let items: unknown;
    try {
      items = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      throw new Error(`${path}: malformed JSON (${(err as Error).message})`, { cause: err });
    }
    if (!Array.isArray(items)) throw new Error(`${path}: expected a JSON array of pairs or JSON Lines`);
    items.forEach((item, k) => check(item, k, `${path}: item ${k}`));
    src = { kind: 'array', items };
  } else {
    let count = 0;
    const index = await JsonlIndex.build(path, { onLine: (value, line) => check(value, count++, `${path}:${line}`) });
    src = { kind: 'jsonl', index };
  }
  return new PreferencePairs(path, src, imageRoot, readerDecoder(options), options);
}

/** Options of {@link writePreferencePairs}. */
export interface WritePreferencePairsOptions {
  /** Write image paths relative to this folder (e.g. the output file's folder). Default: as given. */
  relativeTo?: string;
}

/**
 * Writes pairs as TRL-layout JSON Lines: `{"id", "prompt", "chosen", "rejected", "images": [path]}`
 * (no `images` for text-only pairs). Written to a temporary file and renamed, so a crash never leaves
 * a half-written file under `path`. Returns the number of pairs written.
 */
export async function writePreferencePairs(
  path: string,
  pairs: Iterable<PreferencePair> | AsyncIterable<PreferencePair>,
  options: WritePreferencePairsOptions = {},
): Promise<number> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const out = createWriteStream(tmp, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined); // observed through Promise.race below; avoid an unhandled rejection
  let count = 0;
  try {
    for await (const p of pairs as AsyncIterable<PreferencePair>) {
      for (const field of ['id', 'prompt', 'chosen', 'rejected'] as const) {
        if (typeof p[field] !== 'string') throw new Error(`writePreferencePairs: pair ${count} field "${field}" must be a string, got ${JSON.stringify(p[field])}`);
      }
      const record: Record<string, unknown> = { id: p.id, prompt: p.prompt, chosen: p.chosen, rejected: p.rejected };
      if (p.image !== undefined) {
        record.images = [options.relativeTo && isAbsolute(p.image) ? relative(options.relativeTo, p.image) : p.image];
      }
      if (!out.write(`${JSON.stringify(record)}\n`)) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), failed]);
      count++;
    }
    await Promise.race([new Promise<void>((r) => out.end(r)), failed]);
    await rename(tmp, path);
    return count;
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}
