import { beforeAll, describe, expect, it } from 'vitest';
import { fusedAdamWUpdate, fusedAdamWUpdateMany, fusedGelu, fusedLayerNorm, fusedMultiHeadAttention, tf } from '@vlalign/core';
import { biasStrides } from './kernels/attention.js';
import { referenceSoftmax } from './kernels/elementwise.js';
import { referenceMatMul } from './kernels/matmul.js';
import { randomInts, randomTensor } from './random-tensor.js';
import { relDiff } from './self-test.js';
import { enableNative } from './enable-native.js';
import { addonBuilt, nativeStatus, setUpNative, take, withoutNative } from './testing/native-harness.js';

/** Runs `op` with native kernels on and off and returns both results. */
async function bothWays(op: () => tf.Tensor | tf.Tensor[]): Promise<{ native: Float32Array[]; plain: Float32Array[] }> {
  const native = take(op());
  const plain = await withoutNative(() => take(op()));
  return { native, plain };
}

function expectClose(native: Float32Array[], plain: ArrayLike<number>[], tol: number): void {
  expect(native.length).toBe(plain.length);
  native.forEach((n, i) => expect(relDiff(n, plain[i]), `output ${i}`).toBeLessThanOrEqual(tol));
}

describe.skipIf(!addonBuilt)('native kernels equal the plain wasm kernels', () => {
  beforeAll(setUpNative);

  it('is active with every kernel replaced and a passing self-test', () => {
    const s = nativeStatus();
    expect(s.active).toBe(true);
    expect(s.kernels).toEqual(expect.arrayContaining(['BatchMatMul', '_FusedMatMul', 'VlalignGelu', 'VlalignGeluGrad', 'VlalignLayerNorm', 'VlalignLayerNormGrad', 'VlalignAdamWUpdate', 'VlalignAdamWUpdateMany', 'GatherV2', 'UnsortedSegmentSum', 'Sum', 'Transpose', 'Exp', 'Softmax', 'VlalignMultiHeadAttention', 'VlalignMultiHeadAttentionBias', 'VlalignMultiHeadAttentionGrad', 'Add']));
    expect(s.selfTest!.worstRelDiff).toBeLessThan(1e-5);
  });

  const shapes: [number, number, number, number[], number[]][] = [
    [1, 1, 1, [], []],
    [7, 5, 3, [], []],
    [64, 48, 96, [], []],
    [130, 70, 150, [], []],
    [16, 16, 32, [3, 4], [3, 4]],
    [9, 11, 6, [4], []],
    [9, 11, 6, [], [4]],
    [9, 11, 6, [1], [5]],
    [9, 11, 6, [5], [1]],
    [5, 8, 3, [2, 3], [1, 3]],
  ];
  for (const [m, k, n, outerA, outerB] of shapes)
    for (const tA of [false, true])
      for (const tB of [false, true]) {
        it(`BatchMatMul [${outerA}] ${m}x${k}${tA ? 'T' : ''} @ [${outerB}] ${k}x${n}${tB ? 'T' : ''}`, async () => {
          const a = randomTensor([...outerA, ...(tA ? [k, m] : [m, k])], m * 31 + k);
          const b = randomTensor([...outerB, ...(tB ? [n, k] : [k, n])], n * 17 + k);
          const { native, plain } = await bothWays(() => tf.matMul(a, b, tA, tB));
          expectClose(native, plain, 1e-5);
          expectClose(native, [referenceMatMul(a, b, tA, tB)], 1e-5);
          tf.dispose([a, b]);
        });
      }

  it('BatchMatMul with K = 0 gives zeros (the wasm kernel returns garbage there)', () => {
    for (const [tA, tB] of [[false, false], [true, true]]) {
      const a = tf.zeros(tA ? [0, 3] : [3, 0]);
      const b = tf.zeros(tB ? [4, 0] : [0, 4]);
      const [out] = take(tf.matMul(a, b, tA, tB));
      expect(Array.from(out)).toEqual(new Array(12).fill(0));
      tf.dispose([a, b]);
    }
  });

  it('BatchMatMul with general broadcasting matches a float64 product', () => {
    const a = randomTensor([2, 1, 6, 3], 1);
    const b = randomTensor([3, 3, 4], 2);
    const out = tf.matMul(a, b);
    expect(out.shape).toEqual([2, 3, 6, 4]);
    expectClose(take(out), [referenceMatMul(a, b, false, false)], 1e-5);
    tf.dispose([a, b]);
  });

  it('_FusedMatMul (Linear layers) with and without bias', async () => {
    const x = randomTensor([6, 5, 24], 3);
    const w = randomTensor([24, 40], 4);
    const bias = randomTensor([40], 5);
    const op = () => [tf.fused.matMul({ a: tf.reshape(x, [30, 24]) as tf.Tensor2D, b: w as tf.Tensor2D, bias }), tf.fused.matMul({ a: tf.reshape(x, [30, 24]) as tf.Tensor2D, b: w as tf.Tensor2D })];
    const { native, plain } = await bothWays(op);
    expectClose(native, plain, 1e-5);
    tf.dispose([x, w, bias]);
  });

  it('_FusedMatMul with a relu activation falls back to the original kernel', async () => {
    const a = randomTensor([8, 6], 6);
    const b = randomTensor([6, 5], 7);
    const { native, plain } = await bothWays(() => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, activation: 'relu' }));
    expectClose(native, plain, 0);
    tf.dispose([a, b]);
  });

  it('fused GELU, LayerNorm and AdamW kernels', async () => {
    const x = randomTensor([4, 9, 40], 8, 5);
    const gamma = randomTensor([40], 9);
    const beta = randomTensor([40], 10);
    const m = randomTensor([4, 9, 40], 11, 0.01);
    const v = tf.abs(randomTensor([4, 9, 40], 12, 1e-3));
    const g = randomTensor([4, 9, 40], 13, 0.1);
    const hyper = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    const op = () => [
      fusedGelu(x),
      fusedLayerNorm(x, gamma, beta, 1e-5),
      ...fusedAdamWUpdate(x, m, v, g, { ...hyper, bc1: 0.1, bc2: 0.001, decay: 0.9999 }),
      ...fusedAdamWUpdateMany(
        [
          { p: x, m, v, g, bc1: 0.1, bc2: 0.001, decay: 0.9999 },
          { p: gamma, m: beta, v: tf.abs(beta), g: gamma, bc1: 0.2, bc2: 0.002, decay: 1 },
        ],
        hyper,
      ).flat(),
    ];
    const { native, plain } = await bothWays(op);
    expectClose(native, plain, 1e-5);
    // Two different implementations really ran (float32 native vs float64 JS arithmetic).
    expect(relDiff(native[0], plain[0])).toBeGreaterThan(0);
    tf.dispose([x, gamma, beta, m, v, g]);
  });

  it('multi-head attention from the projections: forward and gradients, with causal, key-mask and full biases', async () => {
    const [b, t, s, h, dh] = [3, 6, 6, 4, 8];
    const q = randomTensor([b, t, h * dh], 61);
    const k = randomTensor([b, s, h * dh], 62);
    const v = randomTensor([b, s, h * dh], 63);
    const w = randomTensor([b, t, h * dh], 64);
    const masks = [undefined, [1, 1, t, s], [b, 1, 1, s], [t, s], [b, h, t, s]].map((shape) => (shape ? tf.mul(tf.cast(tf.greater(randomTensor(shape, 65), 0.6), 'float32'), -1e9) : undefined));
    for (const bias of masks) {
      const op = () => {
        const f = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => fusedMultiHeadAttention(a, c, d, h, 1 / Math.sqrt(dh), bias);
        return [f(q, k, v), ...tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(f(a, c, d), w)))([q, k, v])];
      };
      const { native, plain } = await bothWays(op);
      expectClose(native, plain, 1e-5);
    }
    // Cross-attention (S != T).
    const k2 = randomTensor([b, 9, h * dh], 66);
    const { native, plain } = await bothWays(() => [fusedMultiHeadAttention(q, k2, k2, h, 0.3), ...tf.grads((a: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(fusedMultiHeadAttention(a, c, c, h, 0.3), w)))([q, k2])]);
    expectClose(native, plain, 1e-5);
    tf.dispose([q, k, v, w, k2, ...masks.filter((m): m is tf.Tensor => m !== undefined)]);
  });

  it('Add: same shapes natively (also x + x), broadcasts and int32 through the original kernel', async () => {
    const a = randomTensor([5, 7, 9], 71);
    const b = randomTensor([5, 7, 9], 72);
    const row = randomTensor([9], 73);
    const ints = randomInts([4, 6], 100, 74);
    const { native, plain } = await bothWays(() => [tf.add(a, b), tf.add(a, a), tf.add(a, row), tf.cast(tf.add(ints, ints), 'float32')]);
    expectClose(native, plain, 0);
    tf.dispose([a, b, row, ints]);
  });

  it('attention bias strides: broadcast axes get stride 0, shapes that do not broadcast are refused', () => {
    expect(Array.from(biasStrides([1, 1, 5, 7], [2, 3, 5, 7])!)).toEqual([0, 0, 7, 1]);
    expect(Array.from(biasStrides([2, 1, 1, 7], [2, 3, 5, 7])!)).toEqual([7, 0, 0, 1]);
    expect(Array.from(biasStrides([5, 7], [2, 3, 5, 7])!)).toEqual([0, 0, 7, 1]);
    expect(biasStrides([2, 3, 4, 7], [2, 3, 5, 7])).toBeUndefined();
    expect(biasStrides([1, 1, 1, 1, 7], [2, 3, 5, 7])).toBeUndefined();
  });

  it('gather on axis 0 (float and int tables) and its gradient UnsortedSegmentSum', async () => {
    const table = randomTensor([50, 16], 14);
    const ints = tf.cast(tf.mul(table, 100), 'int32');
    const ids = randomInts([3, 7], 50, 15);
    const op = () => [tf.gather(table, ids), tf.cast(tf.gather(ints, ids), 'float32'), tf.unsortedSegmentSum(randomTensor([21, 16], 16), tf.reshape(ids, [21]), 50)];
    const { native, plain } = await bothWays(op);
    expectClose(native, plain, 0);
    tf.dispose([table, ints, ids]);
  });

  it('gather with an index out of range throws instead of reading outside the table', () => {
    const table = randomTensor([5, 4], 17);
    const ids = tf.tensor1d([0, 5], 'int32');
    expect(() => tf.gather(table, ids)).toThrow(/index value 5 is not in \[0, 4\]/);
    tf.dispose([table, ids]);
  });

  it('Sum over leading axes natively, other reductions unchanged', async () => {
    const x = randomTensor([12, 5, 33], 18);
    const op = () => [tf.sum(x, 0), tf.sum(x, [0, 1], true), tf.sum(x, -1), tf.sum(x)];
    const { native, plain } = await bothWays(op);
    expectClose(native, plain, 1e-6);
    tf.dispose(x);
  });

  it('Transpose of float and int tensors, rank 1 to 6', async () => {
    const x4 = randomTensor([3, 5, 4, 7], 19);
    const x6 = randomTensor([2, 3, 1, 4, 2, 3], 20);
    const xi = tf.cast(tf.mul(randomTensor([6, 9], 21), 50), 'int32');
    const op = () => [
      tf.transpose(randomTensor([11], 22)),
      tf.transpose(x4, [0, 2, 1, 3]),
      tf.transpose(x4, [0, 2, 3, 1]),
      tf.transpose(x4, [3, 2, 1, 0]),
      tf.transpose(x6, [5, 0, 4, 1, 3, 2]),
      tf.transpose(x6, [1, 0, 2, 3, 4, 5]),
      tf.cast(tf.transpose(xi), 'float32'),
    ];
    const { native, plain } = await bothWays(op);
    expectClose(native, plain, 0);
    tf.dispose([x4, x6, xi]);
  });

  it('GEMM on two threads gives the same product', async () => {
    expect((await enableNative({ threads: 2 })).threads).toBe(2);
    try {
      const a = randomTensor([300, 200], 23);
      const b = randomTensor([260, 200], 24);
      const [out] = take(tf.matMul(a, b, false, true));
      expectClose([out], [referenceMatMul(a, b, false, true)], 1e-5);
      tf.dispose([a, b]);
    } finally {
      await enableNative({ threads: 1 });
    }
  });

  it('Exp (whole float range, inf, NaN) and last-axis Softmax', async () => {
    const x = randomTensor([7, 96], 25, 12);
    const wide = tf.tensor1d([-200, -87.5, -87, -20, -1e-3, 0, 1e-3, 1, 20, 88, 88.7, 89, 200, NaN]);
    const op = () => [tf.exp(x), tf.exp(wide), tf.softmax(x), tf.softmax(tf.reshape(x, [7, 4, 24]))];
    const { native, plain } = await bothWays(op);
    expectClose(native.slice(2), [referenceSoftmax(x), referenceSoftmax(tf.reshape(x, [7, 4, 24]))], 1e-6);
    expectClose(native.slice(2), plain.slice(2), 1e-4);
    expectClose([native[0]], [plain[0]], 1e-6);
    native[1].forEach((v, i) => {
      const want = plain[1][i];
      if (Number.isNaN(want)) expect(v).toBeNaN();
      else if (!Number.isFinite(want)) expect(v).toBe(want);
      // Subnormal results (below 1.2e-38) are flushed to zero by the native kernels.
      else if (want < 1.2e-38) expect(v === 0 || v === want).toBe(true);
      else expect(Math.abs(v - want) / want).toBeLessThan(1e-6);
    });
    tf.dispose([x, wide]);
  });
});
