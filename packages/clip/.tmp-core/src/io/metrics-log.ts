/**
 * Training metrics as JSON Lines (`runDir/metrics.jsonl`): one object `{ step, time, ...metrics }` per
 * line, appended and flushed on every write so a crash loses at most the line being written.
 *
 * JSON has no NaN or Infinity, and a diverging loss is exactly what a log must show, so non-finite
 * numbers are written as the strings "NaN", "Infinity" and "-Infinity" and turned back into numbers by
 * {@link readMetrics}.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';

/** A metric value. */
export type MetricValue = number | string | boolean | null;

/** One line of a metrics log. */
export interface MetricsRecord {
  step: number;
  /** Wall-clock time of the write, in seconds since the Unix epoch (millisecond precision). */
  time: number;
  [metric: string]: MetricValue;
}

const NON_FINITE: Record<string, number> = { NaN, Infinity, '-Infinity': -Infinity };

function encodeValue(v: MetricValue): MetricValue {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

function decodeValue(v: unknown): MetricValue {
  return typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : (v as MetricValue);
}

/** Options for {@link MetricsWriter}. */
export interface MetricsWriterOptions {
  /** Clock returning milliseconds since the epoch (tests inject a fixed one). Default `Date.now`. */
  now?: () => number;
}

/** Appends metrics records to a JSONL file (created with its parent folders on first write). */
export class MetricsWriter {
  private readonly now: () => number;

  constructor(
    /** The JSONL file, usually `runDir/metrics.jsonl`. */
    readonly path: string,
    options: MetricsWriterOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    mkdirSync(dirname(path), { recursive: true });
  }

  /**
   * Appends `{ step, time, ...metrics }` as one line. Keys `step` and `time` in `metrics` are ignored.
   * @returns the record written.
   */
  write(step: number, metrics: Record<string, MetricValue>): MetricsRecord {
    if (!Number.isFinite(step)) throw new Error(`MetricsWriter(${this.path}): step must be a finite number, got ${step}`);
    const record: MetricsRecord = { step, time: this.now() / 1000 };
    for (const [k, v] of Object.entries(metrics)) if (k !== 'step' && k !== 'time') record[k] = v;
    const line = JSON.stringify(record, (_k, v) => encodeValue(v as MetricValue));
    appendFileSync(this.path, `${line}\n`);
    return record;
  }
}

interface ParsedLine {
  lineNumber: number;
  record?: MetricsRecord;
  error?: string;
  raw: string;
}

function parseLines(path: string, text: string): ParsedLine[] {
  const lines = text.split('\n');
  const out: ParsedLine[] = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      out.push({ lineNumber: i + 1, raw, error: `${path}:${i + 1}: malformed JSON (${(err as Error).message})` });
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof (value as { step?: unknown }).step !== 'number') {
      out.push({ lineNumber: i + 1, raw, error: `${path}:${i + 1}: expected a JSON object with a numeric "step"` });
      return;
    }
    const record = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeValue(v)])) as MetricsRecord;
    out.push({ lineNumber: i + 1, raw, record });
  });
  return out;
}

/**
 * Reads a metrics JSONL file. Blank lines are skipped.
 * @throws naming `path:line` for the first malformed line or a line without a numeric `step`.
 */
export function readMetrics(path: string): MetricsRecord[] {
  return parseLines(path, readFileSync(path, 'utf8')).map((l) => {
    if (l.error) throw new Error(l.error);
    return l.record!;
  });
}

/**
 * Removes the records with `step > step` (atomically rewriting the file), for resuming from a
 * checkpoint at `step`. A malformed last line without a trailing newline (a write cut off by a crash)
 * is dropped too; other malformed lines are an error. A missing file is not an error.
 * @returns how many lines were removed.
 */
export function truncateMetricsAfter(path: string, step: number): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  const lines = parseLines(path, text);
  let cutOff = 0;
  if (lines.at(-1)?.error && !text.endsWith('\n')) {
    lines.pop();
    cutOff = 1;
  }
  const bad = lines.find((l) => l.error);
  if (bad) throw new Error(bad.error);
  const kept = lines.filter((l) => l.record!.step <= step);
  const removed = lines.length - kept.length + cutOff;
  if (removed > 0) writeFileAtomic(path, kept.map((l) => `${l.raw}\n`).join(''));
  return removed;
}
