import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { jsonlManifest } from './jsonl-manifest.js';
import { isSkippedSample } from './skipped-sample.js';
import { writeSolidPng } from './test-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vlalign-manifest-'));

describe('jsonlManifest', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    await writeSolidPng(join(dir, 'images/000001.png'), [255, 0, 0], 6, 4);
    await writeSolidPng(join(dir, 'images/000002.png'), [0, 0, 255], 6, 4);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the synth format with random access, keeping extra fields; tolerates CRLF, BOM, blank lines', async () => {
    const path = join(dir, 'train.jsonl');
    writeFileSync(
      path,
      '\ufeff{"id":"000001","image":"images/000001.png","captions":["a red square"],"objects":[{"shape":"square"}]}\r\n' +
        '\n' +
        '{"id":2,"image":"images/000002.png","caption":"a blue square","split":"train"}',
    );
    const ds = await jsonlManifest(path, { imageSize: 2 });
    expect(ds.length).toBe(2);
    expect(ds.source).toBe(path);
    const second = await ds.get(1);
    expect(second).toMatchObject({ id: '2', captions: ['a blue square'], split: 'train', imagePath: join(dir, 'images/000002.png') });
    expect(second.image).toMatchObject({ width: 2, height: 2, channels: 3 });
    expect([...second.image!.data.subarray(0, 3)]).toEqual([0, 0, 255]);
    const first = await ds.get(0);
    expect(first).toMatchObject({ id: '000001', captions: ['a red square'], objects: [{ shape: 'square' }] });
    expect(first.image!.width).toBe(2);
  });

  it('indexes lines that span read chunks (> 1 MiB lines)', async () => {
    const path = join(dir, 'long.jsonl');
    const long = 'x'.repeat(2_500_000);
    writeFileSync(path, `{"id":"a","image":"images/000001.png","captions":["${long}"]}\n{"id":"b","image":"images/000002.png"}\n`);
    const ds = await jsonlManifest(path, { decodeImages: false });
    expect(ds.length).toBe(2);
    expect(((await ds.get(0)).captions as string[])[0].length).toBe(2_500_000);
    expect((await ds.get(1)).id).toBe('b');
  });

  it('reports malformed JSON with file and line number', async () => {
    const path = join(dir, 'bad.jsonl');
    writeFileSync(path, '{"id":"1","image":"images/000001.png"}\n\n{"id": "2", "image": \n');
    await expect(jsonlManifest(path)).rejects.toThrow(`${path}:3: malformed JSON`);
    // Without validation the index still builds; the error surfaces on get with the same location.
    const lazy = await jsonlManifest(path, { validate: false });
    await expect(lazy.get(1)).rejects.toThrow(`${path}:3: malformed JSON`);
  });

  it('reports a missing required field with file, line and field', async () => {
    const path = join(dir, 'nofield.jsonl');
    writeFileSync(path, '{"id":"1","image":"images/000001.png"}\n{"id":"2","captions":["x"]}\n');
    await expect(jsonlManifest(path)).rejects.toThrow(`${path}:2: missing required field "image"`);
    writeFileSync(path, '{"image":"images/000001.png"}\n');
    await expect(jsonlManifest(path)).rejects.toThrow(`${path}:1: missing required field "id"`);
    writeFileSync(path, '{"id":"1","image":"a.png","captions":"nope"}\n');
    await expect(jsonlManifest(path)).rejects.toThrow(`${path}:1: field "captions" must be an array of strings`);
    await expect(jsonlManifest(join(dir, 'absent.jsonl'))).rejects.toThrow(`File not found: ${join(dir, 'absent.jsonl')}`);
  });

  it('missing image: throw names line and path; skip mode marks and counts', async () => {
    const path = join(dir, 'missing.jsonl');
    writeFileSync(path, '{"id":"1","image":"images/000001.png"}\n{"id":"2","image":"images/gone.png"}\n');
    const strict = await jsonlManifest(path);
    await expect(strict.get(1)).rejects.toThrow(`${path}:2: Image not found: ${join(dir, 'images/gone.png')}`);
    const lenient = await jsonlManifest(path, { onError: 'skip' });
    const s = await lenient.get(1);
    expect(isSkippedSample(s)).toBe(true);
    expect(s.image).toBeUndefined();
    expect(lenient.skippedImages).toBe(1);
    expect(isSkippedSample(await lenient.get(0))).toBe(false);
  });

  it('imageRoot and decodeImages: false', async () => {
    const path = join(dir, 'sub.jsonl');
    writeFileSync(path, '{"id":"1","image":"000001.png"}\n');
    const ds = await jsonlManifest(path, { imageRoot: join(dir, 'images'), decodeImages: false });
    const s = await ds.get(0);
    expect(s.imagePath).toBe(join(dir, 'images/000001.png'));
    expect(s.image).toBeUndefined();
  });
});
