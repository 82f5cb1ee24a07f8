import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createShapesWorld, type ShapesWorldOptions } from './shapes-world.js';

/** Options for {@link writeShapesWorld}: the world's options plus where to write. */
export interface WriteShapesWorldOptions extends ShapesWorldOptions {
  /** Folder to write into (created if missing). */
  outDir: string;
}

/** What {@link writeShapesWorld} wrote. */
export interface WriteShapesWorldResult {
  /** Absolute or as-given path of `manifest.jsonl`. */
  manifestPath: string;
  count: number;
}

/**
 * Writes a shapes world to disk:
 * - `images/000000.png` (RGB) per sample;
 * - `masks/000000.png` (1-channel 8-bit grey: object index + 1, 0 for background) per sample;
 *   read it back with `sharp(path).toColourspace('b-w').raw()` (sharp otherwise expands to RGB);
 * - `manifest.jsonl`, one JSON object per line:
 *   `{ "id", "image": "images/000000.png", "foregroundMask": "masks/000000.png", "width", "height",
 *   "captions": [...], "objects": [...], ...every other ShapesSample field }` (paths relative to
 *   `outDir`, the layout the JSONL manifest reader loads).
 *
 * The same options give byte-identical files (PNG encoding carries no timestamps).
 */
export async function writeShapesWorld(options: WriteShapesWorldOptions): Promise<WriteShapesWorldResult> {
  const { outDir, ...worldOptions } = options;
  if (typeof outDir !== 'string' || outDir.length === 0) {
    throw new Error(`writeShapesWorld: option "outDir" must be a non-empty path, got ${JSON.stringify(outDir)}`);
  }
  const world = createShapesWorld(worldOptions);
  // Loaded lazily: only writing needs the native image library, not generating samples.
  const { default: sharp } = await import('sharp');
  await mkdir(join(outDir, 'images'), { recursive: true });
  await mkdir(join(outDir, 'masks'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < world.length; i++) {
    const { image, foregroundMask, ...rest } = world.get(i);
    const name = `${String(i).padStart(6, '0')}.png`;
    const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
    const maskPng = await sharp(foregroundMask, { raw: { width: image.width, height: image.height, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    await writeFile(join(outDir, 'images', name), png);
    await writeFile(join(outDir, 'masks', name), maskPng);
    const { id, captions, ...annotations } = rest;
    lines.push(
      JSON.stringify({
        id,
        image: `images/${name}`,
        foregroundMask: `masks/${name}`,
        width: image.width,
        height: image.height,
        captions,
        ...annotations,
      }),
    );
  }
  const manifestPath = join(outDir, 'manifest.jsonl');
  await writeFile(manifestPath, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  return { manifestPath, count: world.length };
}
