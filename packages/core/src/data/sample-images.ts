import { isAbsolute, resolve } from 'node:path';
import type { DecodeImageOptions } from './image-decode.js';
import { ImageDecoder, type ImageErrorMode } from './image-decoder.js';
import type { Sample } from './types.js';

/** Image options shared by every file reader. */
export interface ReaderImageOptions {
  /** Folder that relative image paths are resolved against (default: the annotation file's folder). */
  imageRoot?: string;
  /** Resize every image to this size (see {@link DecodeImageOptions.size}); default: keep the source size. */
  imageSize?: DecodeImageOptions['size'];
  /** Resize mode, `'cover'` (default) or `'fill'`. */
  fit?: DecodeImageOptions['fit'];
  /**
   * Missing or undecodable images: `'throw'` (default) fails with the file, line and image path;
   * `'skip'` returns the sample without `image` and with `imageError` (see `isSkippedSample`),
   * counted in the reader's `skippedImages`.
   */
  onError?: ImageErrorMode;
  /** Set false to leave images undecoded (samples then carry only `imagePath`). Default true. */
  decodeImages?: boolean;
  /** Share one decoder (and its concurrency limit and skip count) between readers. */
  decoder?: ImageDecoder;
}

/** Builds the decoder a reader uses, or undefined when images are not decoded. */
export function readerDecoder(options: ReaderImageOptions): ImageDecoder | undefined {
  if (options.decodeImages === false) return undefined;
  return options.decoder ?? new ImageDecoder({ size: options.imageSize, fit: options.fit, onError: options.onError });
}

/** Resolves an image path from an annotation against the image root. */
export function resolveImagePath(root: string, path: string): string {
  return isAbsolute(path) ? path : resolve(root, path);
}

/**
 * Decodes `imagePath` into `sample.image`. `where` ("file:line") prefixes errors in throw mode;
 * in skip mode the failure lands in `sample.imageError`.
 */
export async function attachImage<S extends Sample>(sample: S, imagePath: string, decoder: ImageDecoder | undefined, where: string): Promise<S> {
  (sample as Sample).imagePath = imagePath;
  if (!decoder) return sample;
  let result;
  try {
    result = await decoder.tryDecode(imagePath);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
  if (result.image) (sample as Sample).image = result.image;
  else (sample as Sample).imageError = `${where}: ${result.error?.message ?? `cannot decode ${imagePath}`}`;
  return sample;
}
