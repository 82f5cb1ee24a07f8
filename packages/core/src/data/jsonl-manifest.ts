import { dirname } from 'node:path';
import type { ImageDecoder } from './image-decoder.js';
import { JsonlIndex, lineError } from './jsonl-index.js';
import { attachImage, readerDecoder, resolveImagePath, type ReaderImageOptions } from './sample-images.js';
import type { Dataset, Sample } from './types.js';

/** Options of {@link jsonlManifest}. */
export interface JsonlManifestOptions extends ReaderImageOptions {
  /**
   * Parse and check every line while indexing (default true), so a malformed line or a missing
   * field fails at load time rather than hours into training. `false` only locates lines.
   */
  validate?: boolean;
}

/** One manifest line as read, before its image is decoded. */
interface ManifestRecord {
  id: string;
  image: string;
  captions?: string[];
  rest: Record<string, unknown>;
}

function toRecord(value: unknown, path: string, line: number): ManifestRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw lineError(path, line, `expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  const { id, image, captions, caption, ...rest } = value as Record<string, unknown>;
  if (id === undefined) throw lineError(path, line, 'missing required field "id" (expected a string or number)');
  if (typeof id !== 'string' && typeof id !== 'number') throw lineError(path, line, `field "id" must be a string or number, got ${JSON.stringify(id)}`);
  if (image === undefined) throw lineError(path, line, 'missing required field "image" (expected an image path relative to the image root)');
  if (typeof image !== 'string' || image === '') throw lineError(path, line, `field "image" must be a non-empty string path, got ${JSON.stringify(image)}`);
  let caps: string[] | undefined;
  if (captions !== undefined) {
    if (!Array.isArray(captions) || !captions.every((c) => typeof c === 'string')) {
      throw lineError(path, line, 'field "captions" must be an array of strings');
    }
    caps = captions;
  } else if (caption !== undefined) {
    if (typeof caption !== 'string') throw lineError(path, line, 'field "caption" must be a string');
    caps = [caption];
  }
  return { id: String(id), image, captions: caps, rest };
}

/**
 * A JSON Lines manifest as a random-access {@link Dataset}. Each line is an object
 * `{"id", "image": "images/000001.png", "captions": [...], ...}` (the format `vlalign synth` writes);
 * `caption` (one string) is accepted in place of `captions`, and every other field is kept on the sample.
 * Images are decoded on `get` (with `imageSize`/`fit`); the decoded sample has `image` (RGB) and
 * `imagePath` (resolved path).
 */
export class JsonlManifest implements Dataset<Sample> {
  /** @internal use {@link jsonlManifest}. */
  constructor(
    private readonly index: JsonlIndex,
    private readonly imageRoot: string,
    private readonly decoder: ImageDecoder | undefined,
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

  async get(i: number): Promise<Sample> {
    const line = this.index.lineNumber(i);
    const record = toRecord(await this.index.read(i), this.index.path, line);
    const sample: Sample = { ...record.rest, id: record.id };
    if (record.captions) sample.captions = record.captions;
    return attachImage(sample, resolveImagePath(this.imageRoot, record.image), this.decoder, `${this.index.path}:${line}`);
  }
}

/**
 * Opens a JSONL manifest: streams it once to index line offsets (and, by default, validate every
 * line), then serves samples by index. Errors name the file and line, and the field when one is
 * missing or has the wrong type.
 */
export async function jsonlManifest(path: string, options: JsonlManifestOptions = {}): Promise<JsonlManifest> {
  const validate = options.validate ?? true;
  const index = await JsonlIndex.build(path, validate ? { onLine: (value, line) => void toRecord(value, path, line) } : {});
  return new JsonlManifest(index, options.imageRoot ?? dirname(path), readerDecoder(options));
}
