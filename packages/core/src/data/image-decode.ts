import { readFile } from 'node:fs/promises';
import type sharpFn from 'sharp';
import type { RgbImage } from './types.js';

/** How {@link decodeImage} resizes. */
export interface DecodeImageOptions {
  /**
   * Output size: a number gives a square `size x size`; omit to keep the source size.
   */
  size?: number | { width: number; height: number };
  /**
   * `'cover'` (default) scales to cover the target and centre-crops (keeps the aspect ratio);
   * `'fill'` stretches to exactly the target size.
   */
  fit?: 'cover' | 'fill';
  /** Name used in error messages when `input` is bytes (a path names itself). */
  name?: string;
}

type SharpModule = typeof sharpFn;
let sharpPromise: Promise<SharpModule> | undefined;

/** Loads sharp on first use, so importing @vlalign/core does not load a native library. */
export function loadSharp(): Promise<SharpModule> {
  sharpPromise ??= import('sharp').then(
    (m) => ((m as unknown as { default?: SharpModule }).default ?? m) as SharpModule,
    (err: unknown) => {
      sharpPromise = undefined;
      throw new Error(
        `vlalign could not load 'sharp' (the image decoder): ${(err as Error).message}. ` +
          'Reinstall dependencies for this platform (npm rebuild sharp / pnpm install).',
      );
    },
  );
  return sharpPromise;
}

function targetSize(size: DecodeImageOptions['size']): { width: number; height: number } | undefined {
  if (size === undefined) return undefined;
  const wh = typeof size === 'number' ? { width: size, height: size } : size;
  if (!Number.isInteger(wh.width) || !Number.isInteger(wh.height) || wh.width < 1 || wh.height < 1) {
    throw new RangeError(`decodeImage: size must be a positive integer or {width, height} of positive integers, got ${JSON.stringify(size)}`);
  }
  return wh;
}

/**
 * Decodes an image (JPEG, PNG, WebP, TIFF, GIF, ... anything libvips reads) to 8-bit RGB, dropping
 * any alpha channel and optionally resizing. Uses sharp, whose work runs on libuv's thread pool,
 * so the event loop stays free while images decode.
 *
 * @param input a file path, or the encoded bytes.
 * @throws Error naming the file (or `options.name`) when it is missing or cannot be decoded.
 */
export async function decodeImage(input: string | Uint8Array, options: DecodeImageOptions = {}): Promise<RgbImage> {
  const name = typeof input === 'string' ? input : (options.name ?? '<image bytes>');
  const size = targetSize(options.size);
  const fit = options.fit ?? 'cover';
  if (fit !== 'cover' && fit !== 'fill') throw new RangeError(`decodeImage: fit must be 'cover' or 'fill', got ${String(fit)}`);
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    try {
      bytes = await readFile(input);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `Image not found: ${input}` : `Cannot read image ${input}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  } else {
    bytes = input;
  }
  const sharp = await loadSharp();
  try {
    // `.rotate()` applies EXIF orientation so a phone photo is upright like in any viewer.
    let pipeline = sharp(bytes, { failOn: 'error' }).rotate();
    if (size) pipeline = pipeline.resize(size.width, size.height, { fit, position: 'centre' });
    const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      // Grey images come back single-channel after removeAlpha; expand to RGB ourselves.
      return toRgb(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels);
    }
    return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new Error(`Cannot decode image ${name}: ${(err as Error).message}`, { cause: err });
  }
}

function toRgb(data: Uint8Array, width: number, height: number, channels: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) out[p * 3 + c] = data[p * channels + Math.min(c, channels - 1)];
  }
  return { width, height, channels: 3, data: out };
}
