import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import fixture from '../fixtures/lavit.fixture.json';
import { policySoftmax } from '../attention/masked-attention.js';
import { causalKeptMask, droppedKeyMask } from './merger-masks.js';
import { TokenMerger, extractKept } from './token-merger.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('merger masks', () => {
  it('self-attention: earlier kept tokens and itself; cross-attention: dropped tokens only', () => {
    const keep = tf.tensor2d([[1, 0, 1, 1]]);
    const self = causalKeptMask(keep).arraySync()[0][0];
    expect(self).toEqual([
      [1, 0, 0, 0],
      [1, 1, 0, 0],
      [1, 0, 1, 0],
      [1, 0, 1, 1],
    ]);
    expect(droppedKeyMask(keep).arraySync()[0][0][0]).toEqual([0, 1, 0, 0]);
    keep.dispose();
  });

  it('policySoftmax matches LaVIT softmax_with_policy (PyTorch), including an all-masked row', () => {
    const p = fixture.policy_softmax;
    const out = tf.tidy(() => policySoftmax(tf.tensor(p.scores), tf.tensor(p.mask)).arraySync() as number[][][][]);
    out.flat(3).forEach((v, i) => expect(v).toBeCloseTo((p.probs as number[][][][]).flat(3)[i], 6));
  });
});

describe('TokenMerger', () => {
  it('keeps [B, N, D], extracts variable-length kept sequences, and is causal over kept tokens', () => {
    const merger = new TokenMerger(16, { layers: 2, heads: 2, seed: 3 });
    const x = tf.randomNormal([2, 5, 16], 0, 1, 'float32', 4) as tf.Tensor3D;
    const keepValues = Float32Array.from([1, 0, 1, 0, 1, 0, 0, 1, 0, 0]);
    const keep = tf.tensor2d(keepValues, [2, 5]);
    const out = merger.forward(x, keep);
    expect(out.shape).toEqual([2, 5, 16]);
    const seqs = extractKept(out, keepValues);
    expect(seqs.map((s) => s.shape)).toEqual([[3, 16], [1, 16]]);
    // Changing the last kept token (image 0, patch 4) leaves the earlier kept outputs unchanged;
    // changing a dropped token changes them (they cross-attend to it).
    const bump = (patch: number) =>
      tf.tidy(() => {
        const delta = tf.buffer([2, 5, 16]);
        for (let d = 0; d < 16; d++) delta.set(d % 2 ? 3 : -2, 0, patch, d); // not constant: LayerNorm would remove a shift
        return merger.forward(tf.add(x, delta.toTensor()) as tf.Tensor3D, keep);
      });
    const diffAt = (a: tf.Tensor3D, patch: number) => tf.tidy(() => tf.max(tf.abs(tf.sub(tf.slice(a, [0, patch, 0], [1, 1, 16]), tf.slice(out, [0, patch, 0], [1, 1, 16])))).dataSync()[0]);
    const later = bump(4);
    expect(diffAt(later, 0)).toBeLessThan(1e-5);
    expect(diffAt(later, 2)).toBeLessThan(1e-5);
    const dropped = bump(1);
    expect(diffAt(dropped, 0)).toBeGreaterThan(1e-4);
    tf.dispose([x, keep, out, later, dropped, ...seqs]);
    merger.dispose();
  });
});
