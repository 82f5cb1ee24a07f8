import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { cocoCaptions } from './coco-captions.js';
import { writeSolidPng } from './test-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vlalign-coco-'));
const annotations = {
  info: { description: 'tiny' },
  images: [
    { id: 42, file_name: '000000000042.png', width: 4, height: 4 },
    { id: 7, file_name: '000000000007.png', width: 4, height: 4 },
    { id: 9, file_name: '000000000009.png', width: 4, height: 4 },
  ],
  annotations: [
    { id: 1, image_id: 7, caption: 'A green square. ' },
    { id: 2, image_id: 42, caption: 'a red square' },
    { id: 3, image_id: 7, caption: 'green block' },
  ],
};

describe('cocoCaptions', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    await writeSolidPng(join(dir, 'val/000000000042.png'), [255, 0, 0]);
    await writeSolidPng(join(dir, 'val/000000000007.png'), [0, 255, 0]);
    writeFileSync(join(dir, 'captions.json'), JSON.stringify(annotations));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('groups captions per image in file order and drops uncaptioned images', async () => {
    const ds = await cocoCaptions(join(dir, 'captions.json'), join(dir, 'val'), { imageSize: 2 });
    expect(ds.length).toBe(2);
    const a = await ds.get(0);
    const b = await ds.get(1);
    expect(a).toMatchObject({ id: '42', captions: ['a red square'], captionIds: [2], meta: { cocoId: 42, fileName: '000000000042.png' } });
    expect(b).toMatchObject({ id: '7', captions: ['A green square.', 'green block'], captionIds: [1, 3] });
    expect([...b.image!.data.subarray(0, 3)]).toEqual([0, 255, 0]);
    const all = await cocoCaptions(join(dir, 'captions.json'), join(dir, 'val'), { keepUncaptioned: true, onError: 'skip' });
    expect(all.length).toBe(3);
    expect((await all.get(2)).imageError).toMatch(/Image not found/);
    expect(all.skippedImages).toBe(1);
  });

  it('names the file and entry on bad input', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ images: annotations.images, annotations: [{ id: 1, image_id: 7 }] }));
    await expect(cocoCaptions(bad, dir)).rejects.toThrow(`${bad}: annotations[0]: missing required field "caption"`);
    writeFileSync(bad, JSON.stringify({ images: annotations.images, annotations: [{ id: 1, image_id: 5, caption: 'x' }] }));
    await expect(cocoCaptions(bad, dir)).rejects.toThrow(`${bad}: annotations[0]: image_id 5 is not in "images"`);
    writeFileSync(bad, JSON.stringify({ annotations: [] }));
    await expect(cocoCaptions(bad, dir)).rejects.toThrow(/missing required field "images"/);
    writeFileSync(bad, '{"images": [');
    await expect(cocoCaptions(bad, dir)).rejects.toThrow(`${bad}: malformed JSON`);
    const strict = await cocoCaptions(join(dir, 'captions.json'), join(dir, 'nowhere'));
    await expect(strict.get(0)).rejects.toThrow(/image 42: Image not found: .*nowhere\/000000000042\.png/);
  });
});
