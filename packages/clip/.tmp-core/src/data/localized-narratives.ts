import { dirname } from 'node:path';
import type { ImageDecoder } from './image-decoder.js';
import { JsonlIndex, lineError } from './jsonl-index.js';
import { attachImage, readerDecoder, resolveImagePath, type ReaderImageOptions } from './sample-images.js';
import type { Box, Dataset, Sample } from './types.js';

/**
 * The 2-point target of one narrated word (PixelLLM): the box of the mouse-trace points recorded
 * while the word's utterance was spoken. Compatible with the shapes world's `WordTarget` (`word`,
 * `box`, `utterance`), plus `points` and `mask`.
 */
export interface NarrativeWordTarget {
  word: string;
  /** Normalised `[x0, y0, x1, y1]` (clamped to [0, 1]); `[0, 0, 0, 0]` when `mask` is 0. */
  box: Box;
  /** The same box as two points: top-left and bottom-right. */
  points: [[number, number], [number, number]];
  /** 1 when trace points fell in the utterance's time span, else 0 (no target: ignore in the loss). */
  mask: 0 | 1;
  /** Index into `utterances`. */
  utterance: number;
}

/** One timed utterance of a narrative. */
export interface NarrativeUtterance {
  text: string;
  start: number;
  end: number;
  /** Trace box during [start, end] (normalised), absent when no trace point fell in it. */
  box?: Box;
  /** How many trace points fell in [start, end]. */
  points: number;
}

/** A Localized Narratives sample: the image, its narration and per-word trace targets. */
export interface NarrativeSample extends Sample {
  /** `${image_id}:${annotator_id}` (an image can have several narratives). */
  id: string;
  /** `[caption]`: the manual transcription of the narration. */
  captions: string[];
  utterances: NarrativeUtterance[];
  /**
   * One entry per whitespace-separated word of the utterances (`timed_caption`), in order. These
   * words are the speech-recognised ones; they do not align one-to-one with `captions[0]`.
   */
  wordTargets: NarrativeWordTarget[];
  meta: { datasetId?: string; imageId: string; annotatorId?: number | string; voiceRecording?: string };
  /** The trace points (time-sorted), only with `keepTrace: true`. */
  trace?: { x: number; y: number; t: number }[];
}

/** Options of {@link localizedNarratives}. */
export interface LocalizedNarrativesOptions extends Omit<ReaderImageOptions, 'imageRoot'> {
  /**
   * Image file name for an annotation, relative to the image root. Default: COCO ids
   * (`dataset_id` starting with "mscoco") as `000000137576.jpg`, any other as `<image_id>.jpg`
   * (the Open Images / Flickr30k layout).
   */
  imageFile?: (annotation: { datasetId?: string; imageId: string }) => string;
  /** Keep the time-sorted trace on each sample (default false). */
  keepTrace?: boolean;
  /** Parse and check every line while indexing (default true). */
  validate?: boolean;
}

interface TracePoint {
  x: number;
  y: number;
  t: number;
}

function defaultImageFile({ datasetId, imageId }: { datasetId?: string; imageId: string }): string {
  if (datasetId?.startsWith('mscoco') && /^\d+$/.test(imageId)) return `${imageId.padStart(12, '0')}.jpg`;
  return `${imageId}.jpg`;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * Per-word 2-point targets from a narrative's timed utterances and mouse traces: for each
 * utterance, the trace points with `start <= t <= end` give a box (min/max of x and y, clamped to
 * [0, 1]); every word of the utterance gets that box as `[top-left, bottom-right]`. Words whose
 * utterance saw no trace point get `mask: 0`.
 */
export function narrativeWordTargets(
  utterances: readonly { text: string; start: number; end: number }[],
  traces: readonly (readonly TracePoint[])[],
): { utterances: NarrativeUtterance[]; wordTargets: NarrativeWordTarget[] } {
  const points = traces.flat().slice().sort((a, b) => a.t - b.t);
  const times = Float64Array.from(points, (p) => p.t);
  const outUtterances: NarrativeUtterance[] = [];
  const wordTargets: NarrativeWordTarget[] = [];
  utterances.forEach((u, ui) => {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    let count = 0;
    for (let k = lowerBound(times, u.start); k < points.length && points[k].t <= u.end; k++) {
      const p = points[k];
      x0 = Math.min(x0, p.x);
      y0 = Math.min(y0, p.y);
      x1 = Math.max(x1, p.x);
      y1 = Math.max(y1, p.y);
      count++;
    }
    const box: Box | undefined = count > 0 ? [clamp01(x0), clamp01(y0), clamp01(x1), clamp01(y1)] : undefined;
    outUtterances.push({ text: u.text, start: u.start, end: u.end, box, points: count });
    for (const word of u.text.split(/\s+/).filter(Boolean)) {
      const b: Box = box ? [...box] : [0, 0, 0, 0];
      wordTargets.push({ word, box: b, points: [[b[0], b[1]], [b[2], b[3]]], mask: box ? 1 : 0, utterance: ui });
    }
  });
  return { utterances: outUtterances, wordTargets };
}

function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface NarrativeRecord {
  datasetId?: string;
  imageId: string;
  annotatorId?: number | string;
  caption: string;
  timed: { text: string; start: number; end: number }[];
  traces: TracePoint[][];
  voiceRecording?: string;
}

function toRecord(value: unknown, path: string, line: number): NarrativeRecord {
  const err = (m: string) => lineError(path, line, m);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw err('expected a JSON object');
  const v = value as Record<string, unknown>;
  if (v.image_id === undefined) throw err('missing required field "image_id"');
  if (typeof v.image_id !== 'string' && typeof v.image_id !== 'number') throw err('field "image_id" must be a string or number');
  if (typeof v.caption !== 'string') throw err('missing required field "caption" (a string)');
  if (!Array.isArray(v.timed_caption)) throw err('missing required field "timed_caption" (an array of {utterance, start_time, end_time})');
  if (!Array.isArray(v.traces)) throw err('missing required field "traces" (an array of arrays of {x, y, t})');
  const timed = v.timed_caption.map((u: Record<string, unknown>, k: number) => {
    if (!u || typeof u.utterance !== 'string' || typeof u.start_time !== 'number' || typeof u.end_time !== 'number') {
      throw err(`timed_caption[${k}] must be {utterance: string, start_time: number, end_time: number}`);
    }
    return { text: u.utterance, start: u.start_time, end: u.end_time };
  });
  const traces = v.traces.map((seg: unknown, s: number) => {
    if (!Array.isArray(seg)) throw err(`traces[${s}] must be an array of {x, y, t}`);
    return seg.map((p: Record<string, unknown>, k: number) => {
      if (!p || typeof p.x !== 'number' || typeof p.y !== 'number' || typeof p.t !== 'number') {
        throw err(`traces[${s}][${k}] must be {x: number, y: number, t: number}`);
      }
      return { x: p.x, y: p.y, t: p.t };
    });
  });
  return {
    datasetId: typeof v.dataset_id === 'string' ? v.dataset_id : undefined,
    imageId: String(v.image_id),
    annotatorId: typeof v.annotator_id === 'number' || typeof v.annotator_id === 'string' ? v.annotator_id : undefined,
    caption: v.caption,
    timed,
    traces,
    voiceRecording: typeof v.voice_recording === 'string' ? v.voice_recording : undefined,
  };
}

/** Localized Narratives (JSONL, one narrative per line) as a random-access {@link Dataset}. */
export class LocalizedNarratives implements Dataset<NarrativeSample> {
  /** @internal use {@link localizedNarratives}. */
  constructor(
    private readonly index: JsonlIndex,
    private readonly imageRoot: string,
    private readonly decoder: ImageDecoder | undefined,
    private readonly options: LocalizedNarrativesOptions,
  ) {}

  get length(): number {
    return this.index.length;
  }

  get source(): string {
    return this.index.path;
  }

  /** Images skipped so far (`onError: 'skip'`). */
  get skippedImages(): number {
    return this.decoder?.skipped ?? 0;
  }

  async get(i: number): Promise<NarrativeSample> {
    const line = this.index.lineNumber(i);
    const rec = toRecord(await this.index.read(i), this.index.path, line);
    const { utterances, wordTargets } = narrativeWordTargets(rec.timed, rec.traces);
    const sample: NarrativeSample = {
      id: rec.annotatorId === undefined ? rec.imageId : `${rec.imageId}:${rec.annotatorId}`,
      captions: [rec.caption],
      utterances,
      wordTargets,
      meta: { datasetId: rec.datasetId, imageId: rec.imageId, annotatorId: rec.annotatorId, voiceRecording: rec.voiceRecording },
    };
    if (this.options.keepTrace) sample.trace = rec.traces.flat().sort((a, b) => a.t - b.t);
    const file = (this.options.imageFile ?? defaultImageFile)({ datasetId: rec.datasetId, imageId: rec.imageId });
    return attachImage(sample, resolveImagePath(this.imageRoot, file), this.decoder, `${this.index.path}:${line}`);
  }
}

/**
 * Opens a Localized Narratives JSONL file (`{dataset_id, image_id, annotator_id, caption,
 * timed_caption[{utterance, start_time, end_time}], traces[[{x, y, t}]]}` per line). Each sample
 * carries per-word 2-point targets (see {@link narrativeWordTargets}). Errors name file, line and field.
 */
export async function localizedNarratives(
  jsonlPath: string,
  imageRoot?: string,
  options: LocalizedNarrativesOptions = {},
): Promise<LocalizedNarratives> {
  const validate = options.validate ?? true;
  const index = await JsonlIndex.build(jsonlPath, validate ? { onLine: (v, line) => void toRecord(v, jsonlPath, line) } : {});
  return new LocalizedNarratives(index, imageRoot ?? dirname(jsonlPath), readerDecoder(options), options);
}
