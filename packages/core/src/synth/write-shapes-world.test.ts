import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { createShapesWorld } from './shapes-world.js';
import { writeShapesWorld } from './write-shapes-world.js';

const dirs: string[] = [];

beforeAll(async () => {
  await initBackend('wasm');
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of (await readdir(dir, { recursive: true })).sort()) {
    if (!rel.endsWith('.png') && !rel.endsWith('.jsonl')) continue;
    out[rel] = createHash('sha256').update(await readFile(join(dir, rel))).digest('hex');
  }
  return out;
}

describe('writeShapesWorld', () => {
  it('writes PNGs, masks and a manifest; the same seed gives byte-identical files', async () => {
    const opts = { size: 6, seed: 3, split: 'test' as const, imageSize: 48 };
    const a = await mkdtemp(join(tmpdir(), 'vlalign-synth-'));
    const b = await mkdtemp(join(tmpdir(), 'vlalign-synth-'));
    dirs.push(a, b);
    const res = await writeShapesWorld({ outDir: a, ...opts });
    await writeShapesWorld({ outDir: b, ...opts });
    expect(res).toEqual({ manifestPath: join(a, 'manifest.jsonl'), count: 6 });
    const ha = await hashTree(a);
    expect(Object.keys(ha)).toHaveLength(6 * 2 + 1);
    expect(await hashTree(b)).toEqual(ha);

    const world = createShapesWorld(opts);
    const lines = (await readFile(res.manifestPath, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    for (const [i, line] of lines.entries()) {
      const rec = JSON.parse(line);
      const { image, foregroundMask, ...rest } = world.get(i);
      expect(Object.keys(rec).slice(0, 3)).toEqual(['id', 'image', 'foregroundMask']);
      expect(rec.image).toBe(`images/${String(i).padStart(6, '0')}.png`);
      const { image: _img, foregroundMask: _mask, width, height, ...annotations } = rec;
      expect([width, height]).toEqual([48, 48]);
      expect(annotations).toEqual(rest);

      const png = await sharp(join(a, rec.image)).raw().toBuffer({ resolveWithObject: true });
      expect(png.info).toMatchObject({ width: 48, height: 48, channels: 3 });
      expect(new Uint8Array(png.data)).toEqual(image.data);
      expect((await sharp(join(a, rec.foregroundMask)).metadata()).channels).toBe(1);
      // sharp outputs sRGB unless told otherwise, so a reader asks for the single grey channel.
      const mask = await sharp(join(a, rec.foregroundMask)).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      expect(mask.info.channels).toBe(1);
      expect(new Uint8Array(mask.data)).toEqual(foregroundMask);
    }
  });

  it('names the bad option', async () => {
    await expect(writeShapesWorld({ outDir: '', size: 1, seed: 1, split: 'train' })).rejects.toThrow(/"outDir"/);
  });
});
