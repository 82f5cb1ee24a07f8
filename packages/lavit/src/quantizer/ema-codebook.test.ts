import { beforeAll, describe, expect, it } from 'vitest';
import { createRng, initBackend, tf } from '@vlalign/core';
import { EmaCodebook } from './ema-codebook.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('EmaCodebook', () => {
  it('applies the normalised EMA update of a hand-computed case', () => {
    // Codes c0 = (1, 0), c1 = (0, 1), c2 = (-1, 0); decay 0.5.
    // Vectors (0.6, 0.8) and (1, 0) go to c0: mean (0.8, 0.4), normalised (0.8944, 0.4472);
    //   0.5 * (1, 0) + 0.5 * (0.8944, 0.4472) = (0.9472, 0.2236), normalised (0.9732, 0.2298).
    // Vector (0, -1) goes to c1: 0.5 * (0, 1) + 0.5 * (0, -1) = (0, 0) -> stays 0 (eps-guarded).
    // c2 is unused: unchanged. Cluster sizes: 0.5 * 0 + 0.5 * (2, 1, 0) = (1, 0.5, 0).
    const cb = new EmaCodebook(3, 2, { decay: 0.5, deadCodeSteps: 0 });
    cb.weight.assign(tf.tensor2d([[1, 0], [0, 1], [-1, 0]]));
    const z = tf.tensor2d([[0.6, 0.8], [1, 0], [0, -1]]);
    const idx = tf.tensor1d([0, 0, 1], 'int32');
    const report = cb.update(z, idx, createRng(0));
    expect(report).toEqual({ used: 2, restarted: 0 });
    const w = cb.weight.arraySync() as number[][];
    expect(w[0][0]).toBeCloseTo(0.9472 / Math.hypot(0.9472, 0.2236), 4);
    expect(w[0][1]).toBeCloseTo(0.2236 / Math.hypot(0.9472, 0.2236), 4);
    expect(w[1]).toEqual([0, 0]);
    expect(w[2]).toEqual([-1, 0]);
    expect(Array.from(cb.cluster_size.dataSync())).toEqual([1, 0.5, 0]);
    tf.dispose([z, idx]);
    cb.dispose();
  });

  it('restarts codes idle for deadCodeSteps updates at batch vectors', () => {
    const cb = new EmaCodebook(3, 2, { decay: 0.9, deadCodeSteps: 2 });
    cb.weight.assign(tf.tensor2d([[1, 0], [0, 1], [-1, 0]]));
    const z = tf.tensor2d([[1, 0], [0.8, 0.6]]);
    const idx = tf.tensor1d([0, 0], 'int32');
    expect(cb.update(z, idx, createRng(1)).restarted).toBe(0);
    expect(cb.update(z, idx, createRng(2)).restarted).toBe(2);
    const w = cb.weight.arraySync() as number[][];
    // Codes 1 and 2 now sit on one of the batch vectors.
    for (const k of [1, 2]) expect([[1, 0], [0.8, 0.6]].some((v) => Math.abs(v[0] - w[k][0]) < 1e-6 && Math.abs(v[1] - w[k][1]) < 1e-6)).toBe(true);
    expect(Array.from(cb.idle_steps.dataSync())).toEqual([0, 0, 0]);
    tf.dispose([z, idx]);
    cb.dispose();
  });

  it('k-means initialisation finds well-separated clusters and marks the codebook initialised', () => {
    const cb = new EmaCodebook(2, 2, { seed: 3 });
    expect(cb.initialized).toBe(false);
    const rng = createRng(4);
    const data: number[] = [];
    for (let i = 0; i < 20; i++) {
      const a = (i % 2 ? Math.PI / 2 : 0) + (rng() - 0.5) * 0.2;
      data.push(Math.cos(a), Math.sin(a));
    }
    cb.initFromVectors(Float32Array.from(data), 20, createRng(5));
    expect(cb.initialized).toBe(true);
    const w = (cb.weight.arraySync() as number[][]).map((r) => Math.atan2(r[1], r[0])).sort();
    expect(w[0]).toBeCloseTo(0, 1);
    expect(w[1]).toBeCloseTo(Math.PI / 2, 1);
    cb.dispose();
  });
});
