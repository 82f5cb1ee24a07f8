import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '@vlalign/core';

/** Writes a decoded RGB image as a lossless PNG (so the pair reader decodes the same pixels back). */
export async function writePng(path: string, image: RgbImage): Promise<void> {
  if (image.channels !== 3 || image.data.length !== image.width * image.height * 3) {
    throw new Error(`writePng: ${path}: expected an RGB image with width*height*3 bytes; got ${image.width}x${image.height}x${image.channels}, ${image.data.length} bytes`);
  }
  await mkdir(dirname(path), { recursive: true });
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(path);
}
