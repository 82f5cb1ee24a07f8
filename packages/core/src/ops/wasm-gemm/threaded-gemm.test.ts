import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend/init-backend.js';
import { setFusedOps } from '../fused-switch.js';
import { planProduct } from './gemm-kernels.js';
import { GemmPool } from './gemm-pool.js';
import { gemmThreadsFromEnv, threadedGemmInfo } from './threaded-gemm.js';

/** Deterministic values in [-1, 1) (a small LCG; independent of tfjs's random ops). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** float64 triple loop over the same strided layout: the reference every case is checked against. */
function reference(op: { batch: number; m: number; n: number; k: number; a: Float32Array; sa: number; ar: number; ak: number; b: Float32Array; sb: number; bk: number; bj: number; bias?: Float32Array }): Float64Array {
  const out = new Float64Array(op.batch * op.m * op.n);
  for (let t = 0; t < op.batch; t++)
    for (let i = 0; i < op.m; i++)
      for (let j = 0; j < op.n; j++) {
        let s = op.bias ? op.bias[j] : 0;
        for (let p = 0; p < op.k; p++) s += op.a[t * op.sa + i * op.ar + p * op.ak] * op.b[t * op.sb + p * op.bk + j * op.bj];
        out[(t * op.m + i) * op.n + j] = s;
      }
  return out;
}

function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  return worst;
}

/** op(A) / op(B) operands for the pool in any transpose layout, with batch strides. */
function operands(batch: number, m: number, n: number, k: number, tA: boolean, tB: boolean, opts: { broadcastA?: boolean; broadcastB?: boolean; bias?: boolean; seed?: number } = {}) {
  const seed = opts.seed ?? 1;
  const aCount = opts.broadcastA ? 1 : batch;
  const bCount = opts.broadcastB ? 1 : batch;
  return {
    batch, m, n, k,
    a: values(aCount * m * k, seed), sa: opts.broadcastA ? 0 : m * k, ar: tA ? 1 : k, ak: tA ? m : 1,
    b: values(bCount * k * n, seed + 1), sb: opts.broadcastB ? 0 : k * n, bk: tB ? 1 : n, bj: tB ? k : 1,
    bias: opts.bias ? values(n, seed + 2) : undefined,
  };
}

describe('GemmPool (threaded SIMD GEMM on shared wasm memory)', () => {
  let one: GemmPool;
  let two: GemmPool;
  beforeAll(async () => {
    one = await GemmPool.create(1);
    // minParallelFlops 0: even tiny products are split, so the split logic itself is exercised.
    two = await GemmPool.create(2, { minParallelFlops: 0 });
  });
  afterAll(() => {
    one.dispose();
    two.dispose();
  });

  const shapes: [number, number, number, number][] = [
    [1, 37, 29, 53], // edges in both tile directions
    [1, 1, 1, 1],
    [1, 4, 8, 16], // exactly one tile
    [1, 130, 150, 70],
    [6, 5, 7, 16], // batched, more batches than threads
    [1, 3, 5, 0], // K = 0: zeros (or the bias)
  ];
  for (const [batch, m, n, k] of shapes)
    for (const tA of [false, true])
      for (const tB of [false, true])
        it(`[${batch}] ${m}x${k}${tA ? 'ᵀ' : ''} @ ${k}x${n}${tB ? 'ᵀ' : ''} (+bias) matches a float64 loop, bit-identical on 1 and 2 threads`, () => {
          for (const bias of [false, true]) {
            const op = operands(batch, m, n, k, tA, tB, { bias, seed: m * 7 + n + k });
            const want = reference(op);
            const out1 = new Float32Array(batch * m * n).fill(Number.NaN);
            const out2 = new Float32Array(batch * m * n).fill(Number.NaN);
            one.run({ ...op, out: out1 });
            two.run({ ...op, out: out2 });
            expect(maxRelErr(out1, want)).toBeLessThan(1e-5);
            expect(Array.from(out2)).toEqual(Array.from(out1));
          }
        });

  it('broadcasts one A or one B matrix over the batch (stride 0)', () => {
    for (const which of ['broadcastA', 'broadcastB'] as const) {
      const op = operands(5, 9, 11, 6, false, true, { [which]: true, seed: 3 });
      const out = new Float32Array(5 * 9 * 11);
      two.run({ ...op, out });
      expect(maxRelErr(out, reference(op))).toBeLessThan(1e-5);
    }
  });

  it('stays exact over many back-to-back products of changing shape on 3 threads (per-thread tiles, no stale chunk claims)', async () => {
    const three = await GemmPool.create(3, { minParallelFlops: 0 });
    try {
      // Edge tiles (n % 8 != 0) go through each thread's own tile buffer; chunk counts change every call.
      const shapes: [number, number, number, number][] = [[1, 200, 13, 9], [7, 6, 11, 5], [1, 9, 150, 17], [1, 64, 61, 33], [3, 70, 5, 8], [1, 3000, 5, 24], [40, 50, 3, 12]];
      for (let r = 0; r < 60; r++) {
        const [batch, m, n, k] = shapes[r % shapes.length];
        const op = operands(batch, m, n, k, r % 2 === 1, r % 3 === 1, { bias: r % 4 === 0, seed: r + 1 });
        const want = new Float32Array(batch * m * n);
        const got = new Float32Array(batch * m * n);
        one.run({ ...op, out: want });
        three.run({ ...op, out: got });
        expect(Array.from(got)).toEqual(Array.from(want));
      }
    } finally {
      three.dispose();
    }
  });

  it('grows its memory for large operands and stays correct afterwards', () => {
    const big = operands(1, 300, 260, 700, false, false, { seed: 11 });
    const out = new Float32Array(300 * 260);
    two.run({ ...big, out });
    expect(maxRelErr(out, reference(big))).toBeLessThan(1e-5);
    const small = operands(2, 6, 10, 3, true, false, { seed: 12 });
    const out2 = new Float32Array(2 * 6 * 10);
    two.run({ ...small, out: out2 });
    expect(maxRelErr(out2, reference(small))).toBeLessThan(1e-5);
  });

  it('rejects an output that is too short and use after dispose', async () => {
    const op = operands(1, 4, 4, 4, false, false);
    expect(() => one.run({ ...op, out: new Float32Array(3) })).toThrow(/out holds 3 values, the product has 16/);
    const p = await GemmPool.create(2);
    p.dispose();
    expect(() => p.run({ ...op, out: new Float32Array(16) })).toThrow(/after dispose/);
    await expect(GemmPool.create(0)).rejects.toThrow(/integer from 1 to 64/);
    await expect(GemmPool.create(65)).rejects.toThrow(/got 65/);
  });
});

describe('planProduct (tfjs BatchMatMul shapes -> strided GEMM)', () => {
  it('plans transposes and strides', () => {
    expect(planProduct([2, 3, 4], [2, 4, 5], false, false)).toMatchObject({ batch: 2, m: 3, n: 5, k: 4, sa: 12, sb: 20, ar: 4, ak: 1, bk: 5, bj: 1, outShape: [2, 3, 5] });
    expect(planProduct([2, 4, 3], [2, 5, 4], true, true)).toMatchObject({ batch: 2, m: 3, n: 5, k: 4, ar: 1, ak: 3, bk: 1, bj: 4 });
  });
  it('folds a batched A against one B into a single taller product', () => {
    expect(planProduct([8, 16, 32], [1, 32, 64], false, false)).toMatchObject({ batch: 1, m: 128, n: 64, k: 32, outShape: [8, 16, 64] });
    // transposed A cannot fold: it is strided per batch
    expect(planProduct([8, 32, 16], [32, 64], true, false)).toMatchObject({ batch: 8, m: 16, sa: 512, sb: 0 });
  });
  it('broadcasts a single A matrix', () => {
    expect(planProduct([1, 3, 4], [6, 4, 2], false, false)).toMatchObject({ batch: 6, sa: 0, sb: 8, outShape: [6, 3, 2] });
  });
  it('leaves general broadcasts and shape errors to the original kernel', () => {
    expect(planProduct([2, 1, 3, 4], [1, 5, 4, 2], false, false)).toBeUndefined();
    expect(planProduct([3, 4], [5, 2], false, false)).toBeUndefined();
  });
});

describe('gemmThreadsFromEnv', () => {
  it('defaults to the cores, at most 2; 0/off switches it off; rejects junk', () => {
    expect(gemmThreadsFromEnv(undefined, 16)).toBe(2);
    expect(gemmThreadsFromEnv('', 1)).toBe(1);
    expect(gemmThreadsFromEnv('off', 4)).toBe(0);
    expect(gemmThreadsFromEnv('0', 4)).toBe(0);
    expect(gemmThreadsFromEnv('3', 2)).toBe(3);
    expect(() => gemmThreadsFromEnv('two', 2)).toThrow(/VLALIGN_GEMM_THREADS is "two"/);
  });
});

describe('wasm matMul kernels on the threaded GEMM', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(() => setFusedOps(true));

  it('is installed by initBackend on wasm', () => {
    expect(threadedGemmInfo()?.active).toBe(true);
  });

  it('tf.matMul (every transpose, batched, broadcast) and tf.fused.matMul equal the plain tfjs kernels; tensor count flat', () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[37, 53], [53, 29], false, false],
      [[53, 37], [29, 53], true, true],
      [[3, 2, 5, 16], [3, 2, 16, 7], false, false],
      [[4, 9, 11], [11, 6], false, false],
      [[4, 11, 9], [1, 6, 11], true, true],
      [[1, 9, 11], [4, 6, 11], false, true],
    ];
    const run = (fused: boolean) => {
      setFusedOps(fused);
      return cases.map(([as, bs, tA, tB], i) =>
        tf.tidy(() => {
          const a = tf.tensor(values(as.reduce((x, y) => x * y, 1), i + 1), as);
          const b = tf.tensor(values(bs.reduce((x, y) => x * y, 1), i + 50), bs);
          return tf.matMul(a, b, tA, tB).dataSync();
        }),
      );
    };
    const before = tf.memory().numTensors;
    const plain = run(false);
    const ours = run(true);
    for (let i = 0; i < cases.length; i++) expect(maxRelErr(ours[i], plain[i])).toBeLessThan(1e-5);
    const fusedCase = (fused: boolean) => {
      setFusedOps(fused);
      return tf.tidy(() => tf.fused.matMul({ a: tf.tensor(values(33 * 20, 5), [33, 20]), b: tf.tensor(values(20 * 17, 6), [20, 17]), bias: tf.tensor(values(17, 7), [17]) }).dataSync());
    };
    expect(maxRelErr(fusedCase(true), fusedCase(false))).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('adds the bias right with transposeB (tfjs 4.22 wasm does not; checked against a float64 loop)', () => {
    setFusedOps(true);
    const a = values(12 * 20, 10);
    const b = values(9 * 20, 11);
    const bias = values(9, 12);
    const got = tf.tidy(() => tf.fused.matMul({ a: tf.tensor(a, [12, 20]), b: tf.tensor(b, [9, 20]), bias: tf.tensor(bias, [9]), transposeB: true }).dataSync());
    const want = reference({ batch: 1, m: 12, n: 9, k: 20, a, sa: 0, ar: 20, ak: 1, b, sb: 0, bk: 1, bj: 20, bias });
    expect(maxRelErr(got, want)).toBeLessThan(1e-5);
  });
});
