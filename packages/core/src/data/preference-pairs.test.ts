import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { detectPreferenceLayout, preferencePairs, writePreferencePairs } from './preference-pairs.js';
import { writeSolidPng } from './test-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vlalign-pairs-'));
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('preferencePairs', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    await writeSolidPng(join(dir, 'img/a.png'), [1, 2, 3]);
    await writeSolidPng(join(dir, 'img/b.png'), [4, 5, 6]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('detects layouts', () => {
    expect(detectPreferenceLayout({ prompt: 'q', chosen: 'a', rejected: 'b' })).toBe('trl');
    expect(detectPreferenceLayout({ question: 'q', chosen: 'a', reject: 'b' })).toBe('seva');
    expect(detectPreferenceLayout({ question: 'q', chosen: 'a' })).toBe('seva');
  });

  it('reads TRL (string, conversational, implicit prompt) and SeVa lines in one file', async () => {
    const path = join(dir, 'mixed.jsonl');
    writeFileSync(
      path,
      jsonl([
        { id: 'p1', prompt: 'What colour?', chosen: 'red', rejected: 'blue', images: ['img/a.png'] },
        {
          prompt: [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'How many?' }] }],
          chosen: [{ role: 'assistant', content: [{ type: 'text', text: 'two' }] }],
          rejected: [{ role: 'assistant', content: 'three' }],
          image: { path: 'img/b.png' },
        },
        {
          chosen: [
            { role: 'user', content: 'Describe.' },
            { role: 'assistant', content: 'a square' },
          ],
          rejected: [
            { role: 'user', content: 'Describe.' },
            { role: 'assistant', content: 'a circle' },
          ],
        },
        { question: '<image>\nWhat is written?', chosen: 'STOP', reject: 'GO', image_id: 'a.png' },
      ]),
    );
    const ds = await preferencePairs(path, { imageSize: 2, checkImages: false });
    expect(ds.length).toBe(4);
    const [a, b, c] = [await ds.get(0), await ds.get(1), await ds.get(2)];
    expect(a).toMatchObject({ id: 'p1', prompt: 'What colour?', chosen: 'red', rejected: 'blue', layout: 'trl', imagePath: join(dir, 'img/a.png') });
    expect(a.image).toMatchObject({ width: 2, height: 2 });
    expect(b).toMatchObject({ id: '1', prompt: 'How many?', chosen: 'two', rejected: 'three', imagePath: join(dir, 'img/b.png') });
    expect(c).toMatchObject({ prompt: 'Describe.', chosen: 'a square', rejected: 'a circle', layout: 'trl' });
    expect(c.image).toBeUndefined();
    // SeVa image_id is resolved against the image root, which defaults to the file's folder.
    await expect(preferencePairs(path)).rejects.toThrow(`${path}:4: image not found: ${join(dir, 'a.png')}`);
    const seva = await preferencePairs(path, { imageRoot: join(dir, 'img'), decodeImages: false, checkImages: false });
    expect(await seva.get(3)).toMatchObject({ prompt: 'What is written?', chosen: 'STOP', rejected: 'GO', layout: 'seva' });
  });

  it('reads a SeVa JSON array file and can force a layout', async () => {
    const path = join(dir, 'seva.json');
    writeFileSync(path, JSON.stringify([{ question: 'q1', chosen: 'c1', reject: 'r1', image: 'a.png' }]));
    const ds = await preferencePairs(path, { imageRoot: join(dir, 'img'), layout: 'seva' });
    expect(await ds.pair(0)).toMatchObject({ id: '0', prompt: 'q1', chosen: 'c1', rejected: 'r1', image: join(dir, 'img/a.png') });
    await expect(preferencePairs(path, { imageRoot: join(dir, 'img'), layout: 'trl' })).rejects.toThrow(
      `${path}: item 0: missing required field "rejected" (TRL layout)`,
    );
  });

  it('names file, line and field for missing fields; unknown images name line and path', async () => {
    const path = join(dir, 'bad.jsonl');
    writeFileSync(path, jsonl([{ prompt: 'q', chosen: 'a', rejected: 'b' }, { prompt: 'q', chosen: 'a', images: ['img/a.png'] }]));
    await expect(preferencePairs(path)).rejects.toThrow(`${path}:2: missing required field "rejected" (TRL layout)`);
    writeFileSync(path, jsonl([{ question: 'q', chosen: 'a', reject: 'b' }]));
    await expect(preferencePairs(path)).rejects.toThrow(`${path}:1: missing required field "image" (SeVa layout`);
    writeFileSync(path, jsonl([{ prompt: 'q', chosen: 'a', rejected: 'b', images: ['img/zzz.png'] }]));
    await expect(preferencePairs(path)).rejects.toThrow(`${path}:1: image not found: ${join(dir, 'img/zzz.png')}`);
    writeFileSync(path, '{"prompt": "q", "chosen": 3, "rejected": "b"}\n');
    await expect(preferencePairs(path)).rejects.toThrow(`${path}:1: field "chosen" must be a string or a list`);
  });

  it('writes TRL layout that reads back to the same pairs', async () => {
    const out = join(dir, 'written.jsonl');
    const pairs = [
      { id: 'x', image: join(dir, 'img/a.png'), prompt: 'p', chosen: 'yes', rejected: 'no' },
      { id: 'y', prompt: 'text only', chosen: 'c', rejected: 'r' },
    ];
    expect(await writePreferencePairs(out, pairs, { relativeTo: dir })).toBe(2);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ id: 'x', prompt: 'p', chosen: 'yes', rejected: 'no', images: ['img/a.png'] });
    expect(lines[1]).toEqual({ id: 'y', prompt: 'text only', chosen: 'c', rejected: 'r' });
    const back = await preferencePairs(out, { decodeImages: false });
    expect(await back.pair(0)).toMatchObject(pairs[0]);
    expect(await back.pair(1)).toMatchObject(pairs[1]);
    await expect(writePreferencePairs(join(dir, 'w2.jsonl'), [{ id: 'z', prompt: 'p', chosen: 1 as never, rejected: 'r' }])).rejects.toThrow(
      /pair 0 field "chosen" must be a string/,
    );
  });
});
