import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { TransformerBlock } from './transformer-block.js';
import fixture from './fixtures/block.fixture.json';

// Reference: make-block-fixture.py (torch.nn.MultiheadAttention + LayerNorm + GELU(tanh), float64).
describe('TransformerBlock against PyTorch', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('forward output and every gradient match the PyTorch reference (causal + key padding mask)', () => {
    const { B, T, D, heads, mlpHidden } = fixture.dims;
    const block = new TransformerBlock(D, heads, mlpHidden);
    const weights = Object.fromEntries(Object.entries(fixture.weights).map(([k, v]) => [k, tf.tensor(v as number[] | number[][])]));
    block.loadStateDict(weights);
    const x = tf.variable(tf.tensor3d(fixture.x, [B, T, D]));
    const keyMask = tf.tensor2d(fixture.keyMask);
    const r = tf.tensor3d(fixture.r);
    const y = block.forward(x, { causal: true, keyMask });
    const close = (a: tf.Tensor, ref: unknown, tol: number) => {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, tf.tensor(ref as number[])))).dataSync()[0]);
      expect(d).toBeLessThan(tol);
    };
    close(y, fixture.y, 1e-4);
    const vars = [x, ...block.parameters()];
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(block.forward(x, { causal: true, keyMask }), r)) as tf.Scalar, vars);
    expect(value.dataSync()[0]).toBeCloseTo(fixture.loss, 3);
    close(grads[x.name], fixture.xGrad, 1e-3);
    for (const [name, v] of block.namedParameters()) close(grads[v.name], (fixture.grads as Record<string, unknown>)[name], 1e-3);
    tf.dispose([x, keyMask, r, y, value, ...Object.values(grads), ...Object.values(weights)]);
    block.dispose();
  });
});
