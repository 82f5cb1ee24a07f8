import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { drawWordPoints } from './draw-word-points.js';
import { makeGrid } from './make-grid.js';

const image = { width: 16, height: 16, channels: 3 as const, data: new Uint8Array(16 * 16 * 3).fill(40) };

describe('drawWordPoints / makeGrid', () => {
  it('draws an upscaled PNG with coloured boxes where the words point', async () => {
    const png = await drawWordPoints(image, ['red', 'circle'], [
      [
        [0.25, 0.25],
        [0.75, 0.75],
      ],
      [
        [0.1, 0.1],
        [0.2, 0.2],
      ],
    ], { scale: 4 });
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect([meta.width, meta.height]).toEqual([64, 64]);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    // The first word's box edge (x = 16 px at scale 4, y = 32) is drawn in a colour, the middle of the box is the background.
    const px = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
    expect(px(16, 32)).not.toEqual([40, 40, 40]);
    expect(px(32, 40)).toEqual([40, 40, 40]);
  });

  it('tiles images into a grid and rejects mismatched input', async () => {
    const a = await drawWordPoints(image, [], [], { scale: 2 });
    const grid = await makeGrid([a, a, a], { columns: 2, gap: 2 });
    const meta = await sharp(grid).metadata();
    expect([meta.width, meta.height]).toEqual([2 * 32 + 3 * 2, 2 * 32 + 3 * 2]);
    await expect(drawWordPoints(image, ['a'], [])).rejects.toThrow(/1 words for 0/);
    await expect(makeGrid([])).rejects.toThrow(/no images/);
  });
});
