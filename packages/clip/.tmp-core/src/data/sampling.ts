import { SeededRandom, deriveSeed } from './seeded-random.js';

/**
 * The visiting order of `n` samples in `epoch`: a permutation of 0..n-1 fixed by (seed, epoch).
 * Every rank computes the same permutation, so {@link shardIndices} can split it without talking.
 */
export function shuffledIndices(n: number, seed: number, epoch: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`shuffledIndices: n must be a non-negative integer, got ${n}`);
  const order = Array.from({ length: n }, (_, i) => i);
  return new SeededRandom(deriveSeed(seed, epoch)).shuffle(order);
}

/** Options of {@link shardIndices}. */
export interface ShardOptions {
  /**
   * What to do when `indices.length` is not a multiple of `worldSize`. `'pad'` (default, like
   * PyTorch's DistributedSampler) repeats indices from the start so every rank gets the same count —
   * ranks then step in lock-step; `'drop'` drops the tail; `'none'` gives uneven shards.
   */
  remainder?: 'pad' | 'drop' | 'none';
}

/**
 * The part of `indices` that `rank` (0 <= rank < worldSize) visits: positions rank, rank + worldSize, ...
 * after padding or dropping per {@link ShardOptions.remainder}.
 */
export function shardIndices(indices: readonly number[], rank: number, worldSize: number, options: ShardOptions = {}): number[] {
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new RangeError(`shardIndices: worldSize must be an integer >= 1, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
    throw new RangeError(`shardIndices: rank must be an integer in [0, ${worldSize}), got ${rank}`);
  }
  const remainder = options.remainder ?? 'pad';
  let list = indices.slice();
  const n = list.length;
  if (remainder === 'pad' && n > 0 && n % worldSize !== 0) {
    const total = Math.ceil(n / worldSize) * worldSize;
    for (let i = 0; list.length < total; i++) list.push(indices[i % n]);
  } else if (remainder === 'drop') {
    list = list.slice(0, Math.floor(n / worldSize) * worldSize);
  }
  const out: number[] = [];
  for (let i = rank; i < list.length; i += worldSize) out.push(list[i]);
  return out;
}
