import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { decodeImage } from './image-decode.js';
import { ImageDecoder } from './image-decoder.js';

const dir = mkdtempSync(join(tmpdir(), 'vlalign-decode-'));

/** A 4x2 RGBA image whose pixel (x, y) is (10x, 100y, 7, alpha 128). */
function rgbaPixels(): Buffer {
  const raw = Buffer.alloc(4 * 2 * 4);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) raw.set([10 * x, 100 * y, 7, 128], (y * 4 + x) * 4);
  return raw;
}

describe('decodeImage / ImageDecoder', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    await sharp(rgbaPixels(), { raw: { width: 4, height: 2, channels: 4 } }).png().toFile(join(dir, 'a.png'));
    await sharp(Buffer.alloc(8 * 8, 200), { raw: { width: 8, height: 8, channels: 1 } }).png().toFile(join(dir, 'grey.png'));
    await sharp(Buffer.alloc(16 * 8 * 3, 90), { raw: { width: 16, height: 8, channels: 3 } }).jpeg({ quality: 95 }).toFile(join(dir, 'b.jpg'));
    writeFileSync(join(dir, 'broken.png'), 'this is not a png');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes a PNG exactly, dropping alpha', async () => {
    const img = await decodeImage(join(dir, 'a.png'));
    expect(img).toMatchObject({ width: 4, height: 2, channels: 3 });
    const expected: number[] = [];
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) expected.push(10 * x, 100 * y, 7);
    expect([...img.data]).toEqual(expected);
  });

  it('expands grey to RGB and decodes bytes', async () => {
    const grey = await decodeImage(join(dir, 'grey.png'));
    expect(grey.channels).toBe(3);
    expect(grey.data.length).toBe(8 * 8 * 3);
    expect(grey.data.every((v) => v === 200)).toBe(true);
    const jpg = await decodeImage(await sharp(join(dir, 'b.jpg')).toBuffer(), { name: 'b.jpg' });
    expect([jpg.width, jpg.height]).toEqual([16, 8]);
    expect(Math.max(...jpg.data.map((v) => Math.abs(v - 90)))).toBeLessThanOrEqual(3);
  });

  it('resizes with cover (crop, keeps aspect) and fill (stretch)', async () => {
    const cover = await decodeImage(join(dir, 'b.jpg'), { size: 4 });
    const fill = await decodeImage(join(dir, 'b.jpg'), { size: { width: 6, height: 2 }, fit: 'fill' });
    expect([cover.width, cover.height, cover.data.length]).toEqual([4, 4, 48]);
    expect([fill.width, fill.height, fill.data.length]).toEqual([6, 2, 36]);
  });

  it('names the missing or broken file', async () => {
    await expect(decodeImage(join(dir, 'nope.png'))).rejects.toThrow(`Image not found: ${join(dir, 'nope.png')}`);
    await expect(decodeImage(join(dir, 'broken.png'))).rejects.toThrow(`Cannot decode image ${join(dir, 'broken.png')}`);
    await expect(decodeImage(new Uint8Array([1, 2, 3]), { name: 'shard-0.tar:x.jpg' })).rejects.toThrow(/shard-0\.tar:x\.jpg/);
    await expect(decodeImage(join(dir, 'a.png'), { size: 0 })).rejects.toThrow(/size must be/);
  });

  it('skip mode counts failures; throw mode rethrows', async () => {
    const skipped: string[] = [];
    const dec = new ImageDecoder({ size: 2, onError: 'skip', concurrency: 2, onSkip: (n) => skipped.push(n) });
    const out = await Promise.all(['a.png', 'nope.png', 'broken.png', 'b.jpg', 'grey.png'].map((f) => dec.decode(join(dir, f))));
    expect(out.map((o) => (o ? o.width : undefined))).toEqual([2, undefined, undefined, 2, 2]);
    expect(dec.skipped).toBe(2);
    expect(dec.failures.map((f) => f.name)).toEqual([join(dir, 'nope.png'), join(dir, 'broken.png')]);
    expect(skipped).toHaveLength(2);
    const strict = new ImageDecoder();
    await expect(strict.decode(join(dir, 'nope.png'))).rejects.toThrow(/Image not found/);
  });
});
