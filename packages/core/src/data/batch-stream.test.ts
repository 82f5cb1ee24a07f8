import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { BatchStream } from './batch-stream.js';
import { shuffledIndices } from './sampling.js';
import type { Dataset, Sample, StreamingDataset } from './types.js';

function numbers(n: number, skip: (i: number) => boolean = () => false): Dataset<Sample> {
  return {
    length: n,
    source: `numbers(${n})`,
    async get(i: number) {
      await new Promise((r) => setTimeout(r, 0));
      return skip(i) ? { id: String(i), imageError: 'broken' } : { id: String(i) };
    },
  };
}

/** A streaming dataset of n samples whose order depends on the epoch. */
function stream(n: number, withSkip = false): StreamingDataset<Sample> & { iterations: number } {
  const ds = {
    source: `stream(${n})`,
    iterations: 0,
    supportsSkip: withSkip,
    async *iterate(epoch: number, options: { skip?: number } = {}) {
      ds.iterations++;
      const order = shuffledIndices(n, 99, epoch);
      for (let k = options.skip ?? 0; k < n; k++) yield { id: String(order[k]) };
    },
  };
  return ds;
}

const ids = (b: Sample[]) => b.map((s) => Number(s.id));

describe('BatchStream', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('yields seeded per-epoch shuffles in batches; last batch smaller unless dropLast', async () => {
    const s = new BatchStream(numbers(10), { batchSize: 4, seed: 5 });
    const e0 = shuffledIndices(10, 5, 0);
    const e1 = shuffledIndices(10, 5, 1);
    expect(ids(await s.next())).toEqual(e0.slice(0, 4));
    expect(ids(await s.next())).toEqual(e0.slice(4, 8));
    expect(ids(await s.next())).toEqual(e0.slice(8));
    expect(s.epoch).toBe(1);
    expect(ids(await s.next())).toEqual(e1.slice(0, 4));
    const d = new BatchStream(numbers(10), { batchSize: 4, seed: 5, dropLast: true });
    expect(d.batchesPerEpoch).toBe(2);
    await d.next();
    await d.next();
    expect(ids(await d.next())).toEqual(e1.slice(0, 4));
    const plain = new BatchStream(numbers(5), { batchSize: 2, shuffle: false });
    expect([ids(await plain.next()), ids(await plain.next()), ids(await plain.next()), ids(await plain.next())]).toEqual([[0, 1], [2, 3], [4], [0, 1]]);
  });

  it('restores exactly: a resumed stream gives the same batches as an uninterrupted one', async () => {
    for (const prefetch of [0, 2]) {
      const a = new BatchStream(numbers(11), { batchSize: 3, seed: 2, prefetch });
      const reference: number[][] = [];
      for (let k = 0; k < 9; k++) reference.push(ids(await a.next()));
      const b = new BatchStream(numbers(11), { batchSize: 3, seed: 2, prefetch });
      for (let k = 0; k < 5; k++) await b.next();
      const saved = JSON.parse(JSON.stringify(b.state()));
      const c = new BatchStream(numbers(11), { batchSize: 3, seed: 2, prefetch });
      c.restore(saved);
      const resumed: number[][] = [];
      for (let k = 5; k < 9; k++) resumed.push(ids(await c.next()));
      expect(resumed).toEqual(reference.slice(5));
      // Restoring the same stream backwards also works (prefetched batches are discarded).
      b.restore(saved);
      expect(ids(await b.next())).toEqual(reference[5]);
    }
  });

  it('splits by rank with padding', async () => {
    const r0 = new BatchStream(numbers(5), { batchSize: 3, seed: 1, rank: 0, worldSize: 2 });
    const r1 = new BatchStream(numbers(5), { batchSize: 3, seed: 1, rank: 1, worldSize: 2 });
    const e0 = shuffledIndices(5, 1, 0);
    const padded = [...e0, e0[0]];
    expect(ids(await r0.next())).toEqual([padded[0], padded[2], padded[4]]);
    expect(ids(await r1.next())).toEqual([padded[1], padded[3], padded[5]]);
  });

  it('drops skipped samples, refills the batch and counts them', async () => {
    const s = new BatchStream(numbers(8, (i) => i === 1 || i === 2), { batchSize: 3, shuffle: false });
    expect(ids(await s.next())).toEqual([0, 3, 4]);
    expect(s.skipped).toBe(2);
    expect(ids(await s.next())).toEqual([5, 6, 7]);
    expect(s.state()).toMatchObject({ epoch: 1, offset: 0, skipped: 2 });
    await expect(new BatchStream(numbers(3, () => true), { batchSize: 2 }).next()).rejects.toThrow(/numbers\(3\) gave no batch in a whole epoch/);
    await expect(new BatchStream(numbers(3), { batchSize: 4, dropLast: true }).next()).rejects.toThrow(/gave no full batch/);
  });

  it('streams with exact resume (by re-iterating, or by the dataset skipping)', async () => {
    for (const withSkip of [false, true]) {
      const ref = new BatchStream(stream(7), { batchSize: 3 });
      const reference: number[][] = [];
      for (let k = 0; k < 7; k++) reference.push(ids(await ref.next()));
      const order0 = shuffledIndices(7, 99, 0);
      expect(reference.slice(0, 3)).toEqual([order0.slice(0, 3), order0.slice(3, 6), order0.slice(6)]);
      const a = new BatchStream(stream(7), { batchSize: 3, prefetch: 1 });
      for (let k = 0; k < 4; k++) await a.next();
      const saved = a.state();
      expect(saved).toMatchObject({ kind: 'streaming', epoch: 1, offset: 3 });
      const ds = stream(7, withSkip);
      const b = new BatchStream(ds, { batchSize: 3 });
      b.restore(saved);
      const resumed: number[][] = [];
      for (let k = 4; k < 7; k++) resumed.push(ids(await b.next()));
      expect(resumed).toEqual(reference.slice(4));
    }
    expect(() => new BatchStream(stream(3), { batchSize: 1 }).restore({ version: 1, kind: 'dataset', epoch: 0, offset: 0, seed: 0, skipped: 0 })).toThrow(
      /state is for a dataset dataset, this stream reads a streaming dataset/,
    );
    expect(() => new BatchStream(numbers(3), { batchSize: 1, seed: 4 }).restore({ version: 1, kind: 'dataset', epoch: 0, offset: 0, seed: 3, skipped: 0 })).toThrow(
      /saved with seed 3, this stream uses seed 4/,
    );
  });
});
