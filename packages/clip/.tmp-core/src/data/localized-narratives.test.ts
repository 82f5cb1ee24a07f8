import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { localizedNarratives, narrativeWordTargets } from './localized-narratives.js';
import { writeSolidPng } from './test-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vlalign-ln-'));

const narrative = {
  dataset_id: 'mscoco_val2017',
  image_id: '137576',
  annotator_id: 93,
  caption: 'In this image we can see a dog.',
  timed_caption: [
    { utterance: 'In this', start_time: 0.0, end_time: 1.0 },
    { utterance: 'image', start_time: 1.0, end_time: 2.0 },
    { utterance: 'we', start_time: 5.0, end_time: 6.0 },
    { utterance: 'dog', start_time: 2.5, end_time: 3.0 },
  ],
  // Two segments, out of time order; one point is off the image (x = 1.2, y = -0.1).
  traces: [
    [
      { x: 0.6, y: 0.7, t: 2.6 },
      { x: 1.2, y: 0.65, t: 2.9 },
    ],
    [
      { x: 0.1, y: 0.2, t: 0.5 },
      { x: 0.3, y: -0.1, t: 0.0 },
      { x: 0.4, y: 0.5, t: 1.0 },
      { x: 0.5, y: 0.45, t: 1.7 },
      { x: 0.9, y: 0.9, t: 2.2 },
    ],
  ],
  voice_recording: 'coco_val/coco_val_137576_93.ogg',
};

describe('localizedNarratives', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    await writeSolidPng(join(dir, 'img/000000137576.jpg'), [10, 20, 30]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('computes per-word 2-point targets from trace points inside each utterance span (hand-computed)', () => {
    const { utterances, wordTargets } = narrativeWordTargets(
      narrative.timed_caption.map((u) => ({ text: u.utterance, start: u.start_time, end: u.end_time })),
      narrative.traces,
    );
    // "In this" [0, 1]: points t=0 (0.3,-0.1), 0.5 (0.1,0.2), 1.0 (0.4,0.5) -> x 0.1..0.4, y -0.1..0.5 (clamped to 0).
    // "image" [1, 2]: t=1.0 (0.4,0.5), 1.7 (0.5,0.45) -> x 0.4..0.5, y 0.45..0.5.
    // "we" [5, 6]: no points -> mask 0.
    // "dog" [2.5, 3]: t=2.6 (0.6,0.7), 2.9 (1.2,0.65) -> x 0.6..1 (clamped), y 0.65..0.7.
    expect(utterances.map((u) => u.points)).toEqual([3, 2, 0, 2]);
    expect(wordTargets.map((w) => [w.word, w.utterance, w.mask])).toEqual([
      ['In', 0, 1],
      ['this', 0, 1],
      ['image', 1, 1],
      ['we', 2, 0],
      ['dog', 3, 1],
    ]);
    const close = (a: number[], b: number[]) => a.forEach((v, k) => expect(v).toBeCloseTo(b[k], 12));
    close(wordTargets[0].box, [0.1, 0, 0.4, 0.5]);
    close(wordTargets[1].box, [0.1, 0, 0.4, 0.5]);
    close(wordTargets[2].box, [0.4, 0.45, 0.5, 0.5]);
    expect(wordTargets[3].box).toEqual([0, 0, 0, 0]);
    expect(utterances[2].box).toBeUndefined();
    close(wordTargets[4].box, [0.6, 0.65, 1, 0.7]);
    expect(wordTargets[4].points).toEqual([
      [wordTargets[4].box[0], wordTargets[4].box[1]],
      [wordTargets[4].box[2], wordTargets[4].box[3]],
    ]);
  });

  it('reads a JSONL file with COCO image naming', async () => {
    const path = join(dir, 'coco_val_localized_narratives.jsonl');
    writeFileSync(path, `${JSON.stringify(narrative)}\n${JSON.stringify({ ...narrative, dataset_id: 'open_images', image_id: 'abc' })}\n`);
    const ds = await localizedNarratives(path, join(dir, 'img'), { imageSize: 2, onError: 'skip', keepTrace: true });
    expect(ds.length).toBe(2);
    const s = await ds.get(0);
    expect(s.id).toBe('137576:93');
    expect(s.captions).toEqual([narrative.caption]);
    expect(s.meta).toMatchObject({ datasetId: 'mscoco_val2017', imageId: '137576', annotatorId: 93 });
    expect(s.image).toMatchObject({ width: 2, height: 2 });
    expect(s.wordTargets).toHaveLength(5);
    expect(s.trace!.map((p) => p.t)).toEqual([0, 0.5, 1, 1.7, 2.2, 2.6, 2.9]);
    const other = await ds.get(1);
    expect(other.imagePath).toBe(join(dir, 'img/abc.jpg'));
    expect(other.imageError).toMatch(/Image not found/);
  });

  it('names file, line and field on bad input', async () => {
    const path = join(dir, 'bad.jsonl');
    const { traces: _t, ...noTraces } = narrative;
    writeFileSync(path, `${JSON.stringify(narrative)}\n${JSON.stringify(noTraces)}\n`);
    await expect(localizedNarratives(path)).rejects.toThrow(`${path}:2: missing required field "traces"`);
    writeFileSync(path, `${JSON.stringify({ ...narrative, timed_caption: [{ utterance: 'x', start_time: 0 }] })}\n`);
    await expect(localizedNarratives(path)).rejects.toThrow(`${path}:1: timed_caption[0] must be`);
    writeFileSync(path, `${JSON.stringify(narrative)}\n{"image_id": 1,\n`);
    await expect(localizedNarratives(path)).rejects.toThrow(`${path}:2: malformed JSON`);
  });
});
