import { readFile } from 'node:fs/promises';
import type { ImageDecoder } from './image-decoder.js';
import { attachImage, readerDecoder, resolveImagePath, type ReaderImageOptions } from './sample-images.js';
import type { Dataset, Sample } from './types.js';

/** Options of {@link cocoCaptions}. */
export interface CocoCaptionsOptions extends Omit<ReaderImageOptions, 'imageRoot'> {
  /** Keep images that have no caption (default false: they are dropped). */
  keepUncaptioned?: boolean;
}

/** A COCO captions sample: `id` is the COCO image id as a string. */
export interface CocoSample extends Sample {
  captions: string[];
  /** COCO annotation ids, parallel to `captions`. */
  captionIds: number[];
  meta: { cocoId: number; fileName: string; width?: number; height?: number };
}

interface CocoImage {
  cocoId: number;
  fileName: string;
  width?: number;
  height?: number;
  captions: string[];
  captionIds: number[];
}

function fail(path: string, where: string, message: string): never {
  throw new Error(`${path}: ${where}: ${message}`);
}

/**
 * COCO captions (`captions_train2017.json` layout: `images[{id, file_name, width, height}]`,
 * `annotations[{id, image_id, caption}]`) as a random-access {@link Dataset}, one sample per image
 * with all its captions, in the file's image order. The JSON is parsed once; only ids, file names,
 * sizes and caption strings are kept.
 */
export class CocoCaptions implements Dataset<CocoSample> {
  /** @internal use {@link cocoCaptions}. */
  constructor(
    readonly source: string,
    private readonly images: CocoImage[],
    private readonly imageRoot: string,
    private readonly decoder: ImageDecoder | undefined,
  ) {}

  get length(): number {
    return this.images.length;
  }

  /** Images skipped so far (`onError: 'skip'`). */
  get skippedImages(): number {
    return this.decoder?.skipped ?? 0;
  }

  async get(i: number): Promise<CocoSample> {
    if (!Number.isInteger(i) || i < 0 || i >= this.images.length) {
      throw new RangeError(`${this.source}: index ${i} out of range [0, ${this.images.length})`);
    }
    const img = this.images[i];
    const sample: CocoSample = {
      id: String(img.cocoId),
      captions: img.captions.slice(),
      captionIds: img.captionIds.slice(),
      meta: { cocoId: img.cocoId, fileName: img.fileName, width: img.width, height: img.height },
    };
    return attachImage(sample, resolveImagePath(this.imageRoot, img.fileName), this.decoder, `${this.source}: image ${img.cocoId}`);
  }
}

/**
 * Loads a COCO captions annotation file. Errors name the file and the offending entry
 * (`annotations[12].caption`), or the image id an annotation points to when that image is unknown.
 */
export async function cocoCaptions(annotationsJson: string, imageRoot: string, options: CocoCaptionsOptions = {}): Promise<CocoCaptions> {
  let text: string;
  try {
    text = await readFile(annotationsJson, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read COCO annotations ${annotationsJson}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${annotationsJson}: malformed JSON (${(err as Error).message})`, { cause: err });
  }
  text = '';
  const root = json as { images?: unknown; annotations?: unknown };
  if (!root || typeof root !== 'object' || !Array.isArray(root.images)) fail(annotationsJson, 'top level', 'missing required field "images" (an array)');
  if (!Array.isArray(root.annotations)) fail(annotationsJson, 'top level', 'missing required field "annotations" (an array)');

  const images: CocoImage[] = [];
  const byId = new Map<number, CocoImage>();
  root.images.forEach((raw: Record<string, unknown>, k: number) => {
    const where = `images[${k}]`;
    if (!raw || typeof raw !== 'object') fail(annotationsJson, where, 'expected an object');
    if (typeof raw.id !== 'number') fail(annotationsJson, where, 'missing required field "id" (a number)');
    if (typeof raw.file_name !== 'string') fail(annotationsJson, where, 'missing required field "file_name" (a string)');
    if (byId.has(raw.id)) fail(annotationsJson, where, `duplicate image id ${raw.id}`);
    const img: CocoImage = {
      cocoId: raw.id,
      fileName: raw.file_name,
      width: typeof raw.width === 'number' ? raw.width : undefined,
      height: typeof raw.height === 'number' ? raw.height : undefined,
      captions: [],
      captionIds: [],
    };
    images.push(img);
    byId.set(img.cocoId, img);
  });
  root.annotations.forEach((raw: Record<string, unknown>, k: number) => {
    const where = `annotations[${k}]`;
    if (!raw || typeof raw !== 'object') fail(annotationsJson, where, 'expected an object');
    if (typeof raw.image_id !== 'number') fail(annotationsJson, where, 'missing required field "image_id" (a number)');
    if (typeof raw.caption !== 'string') fail(annotationsJson, where, 'missing required field "caption" (a string)');
    const img = byId.get(raw.image_id);
    if (!img) fail(annotationsJson, where, `image_id ${raw.image_id} is not in "images"`);
    img.captions.push(raw.caption.trim());
    img.captionIds.push(typeof raw.id === 'number' ? raw.id : -1);
  });
  const kept = options.keepUncaptioned ? images : images.filter((img) => img.captions.length > 0);
  return new CocoCaptions(annotationsJson, kept, imageRoot, readerDecoder(options));
}
