import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { shardIndices, shuffledIndices } from './sampling.js';

describe('shuffledIndices / shardIndices', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('gives a permutation fixed by (seed, epoch) and different across epochs', () => {
    const a = shuffledIndices(50, 7, 0);
    expect([...a].sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect(shuffledIndices(50, 7, 0)).toEqual(a);
    expect(shuffledIndices(50, 7, 1)).not.toEqual(a);
    expect(shuffledIndices(50, 8, 0)).not.toEqual(a);
    expect(shuffledIndices(0, 1, 0)).toEqual([]);
  });

  it('pads like DistributedSampler by default (hand-computed)', () => {
    // 10 indices over 4 ranks: total 12, padded with the first two -> [0..9, 0, 1].
    const idx = [...Array(10).keys()];
    expect(shardIndices(idx, 0, 4)).toEqual([0, 4, 8]);
    expect(shardIndices(idx, 1, 4)).toEqual([1, 5, 9]);
    expect(shardIndices(idx, 2, 4)).toEqual([2, 6, 0]);
    expect(shardIndices(idx, 3, 4)).toEqual([3, 7, 1]);
    // Fewer indices than ranks: padding wraps around more than once.
    expect([0, 1, 2, 3, 4].map((r) => shardIndices([9, 8], r, 5))).toEqual([[9], [8], [9], [8], [9]]);
  });

  it('drop and none remainders', () => {
    const idx = [...Array(10).keys()];
    expect(shardIndices(idx, 2, 4, { remainder: 'drop' })).toEqual([2, 6]);
    expect(shardIndices(idx, 1, 4, { remainder: 'none' })).toEqual([1, 5, 9]);
    expect(shardIndices(idx, 3, 4, { remainder: 'none' })).toEqual([3, 7]);
  });

  it('rejects bad ranks', () => {
    expect(() => shardIndices([1], 2, 2)).toThrow(/rank must be an integer in \[0, 2\)/);
    expect(() => shardIndices([1], 0, 0)).toThrow(/worldSize/);
  });
});
