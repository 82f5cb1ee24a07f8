import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { Linear } from './linear.js';
import { LayerNorm } from './layer-norm.js';
import { Embedding } from './embedding.js';
import { Dropout } from './dropout.js';
import { MLP } from './mlp.js';
import { gelu, stopGradient } from './activations.js';
import { checkGradients, fixedRandom } from './testing/grad-check.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** An input variable (non-shared name) so the check also covers the gradient w.r.t. the input. */
function inputVar(shape: number[], seed: number): tf.Variable {
  const t = tf.randomNormal(shape, 0, 1, 'float32', seed);
  const v = tf.variable(t, true);
  t.dispose();
  return v;
}

describe('Linear', () => {
  it('computes x W + b with W [in, out] for rank 2 and rank 3 inputs', () => {
    const lin = new Linear(3, 2, { seed: 1 });
    lin.loadStateDict({ weight: tf.tensor2d([[1, 2], [3, 4], [5, 6]]), bias: tf.tensor1d([0.5, -0.5]) });
    const y2 = lin.forward(tf.tensor2d([[1, 0, -1]]));
    expect(Array.from(y2.dataSync())).toEqual([1 - 5 + 0.5, 2 - 6 - 0.5]);
    const y3 = lin.forward(tf.ones([2, 4, 3]));
    expect(y3.shape).toEqual([2, 4, 2]);
    expect(Array.from(y3.dataSync().slice(0, 2))).toEqual([9.5, 11.5]);
    tf.dispose([y2, y3]);
    lin.dispose();
  });

  it('is initialised from its seed (same seed, same weights; different seed, different weights)', () => {
    const a = new Linear(4, 4, { seed: 7 });
    const b = new Linear(4, 4, { seed: 7 });
    const c = new Linear(4, 4, { seed: 8 });
    expect(Array.from(a.weight.dataSync())).toEqual(Array.from(b.weight.dataSync()));
    expect(Array.from(a.weight.dataSync())).not.toEqual(Array.from(c.weight.dataSync()));
    expect(b.bias).toBeDefined();
    expect(new Linear(4, 4, { bias: false }).bias).toBeUndefined();
    [a, b, c].forEach((m) => m.dispose());
  });

  it('gradients match finite differences (rank 3 input)', () => {
    const lin = new Linear(4, 3, { seed: 2, initStd: 0.5 });
    const x = inputVar([2, 3, 4], 3);
    const r = fixedRandom([2, 3, 3], 4);
    const res = checkGradients({ ...lin.stateDict(), x }, () => tf.sum(tf.mul(lin.forward(x), r)));
    expect(res.mismatches).toEqual([]);
    tf.dispose([x, r]);
    lin.dispose();
  });

  it('rejects a wrong input width with a clear error', () => {
    const lin = new Linear(4, 3);
    const x = tf.zeros([2, 5]);
    expect(() => lin.forward(x)).toThrow(/expected input \[\.\.\., 4\], got \[2,5\]/);
    x.dispose();
    lin.dispose();
  });
});

describe('LayerNorm', () => {
  it('normalises the last axis with the biased variance (hand-computed)', () => {
    const ln = new LayerNorm(4, { eps: 0 });
    const y = ln.forward(tf.tensor2d([[1, 2, 3, 4]]));
    const sd = Math.sqrt(1.25);
    const expected = [-1.5, -0.5, 0.5, 1.5].map((v) => v / sd);
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    y.dispose();
    ln.dispose();
  });

  it('gradients match finite differences', () => {
    const ln = new LayerNorm(5);
    const w = tf.randomNormal([5], 1, 0.3, 'float32', 5);
    const b = tf.randomNormal([5], 0, 0.3, 'float32', 6);
    ln.loadStateDict({ weight: w, bias: b });
    const x = inputVar([2, 3, 5], 7);
    const r = fixedRandom([2, 3, 5], 8);
    const res = checkGradients({ ...ln.stateDict(), x }, () => tf.sum(tf.mul(ln.forward(x), r)));
    expect(res.mismatches).toEqual([]);
    tf.dispose([w, b, x, r]);
    ln.dispose();
  });
});

describe('Embedding', () => {
  it('gathers rows for ids of any shape and its gradient matches finite differences on wasm', () => {
    const emb = new Embedding(6, 3, { seed: 1, initStd: 1 });
    const ids = tf.tensor2d([[0, 2, 2], [5, 1, 0]], [2, 3], 'int32');
    const y = emb.forward(ids);
    expect(y.shape).toEqual([2, 3, 3]);
    const table = emb.weight.arraySync() as number[][];
    expect(Array.from(y.dataSync().slice(3, 6))).toEqual(table[2].map((v) => Math.fround(v)));
    const r = fixedRandom([2, 3, 3], 2);
    const res = checkGradients(emb.stateDict(), () => tf.sum(tf.mul(emb.forward(ids), r)));
    expect(res.mismatches).toEqual([]);
    tf.dispose([ids, y, r]);
    emb.dispose();
  });

  it('rejects float ids', () => {
    const emb = new Embedding(6, 3);
    const ids = tf.tensor1d([1]);
    expect(() => emb.forward(ids)).toThrow(/int32/);
    ids.dispose();
    emb.dispose();
  });
});

describe('gelu and stopGradient', () => {
  it('gelu matches the tanh formula at known points and its gradient matches finite differences', () => {
    // Reference values of torch.nn.functional.gelu(x, approximate="tanh") computed by hand from the formula.
    const xs = [-3, -1, 0, 0.5, 2];
    const ref = xs.map((x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))));
    const y = gelu(tf.tensor1d(xs));
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(ref[i], 5));
    const x = inputVar([7], 9);
    const res = checkGradients({ x }, () => tf.sum(gelu(x)));
    expect(res.mismatches).toEqual([]);
    tf.dispose([y, x]);
  });

  it('stopGradient is the identity forward and blocks the gradient', () => {
    const x = inputVar([3], 1);
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.add(tf.mul(x, 2), tf.square(stopGradient(x)))) as tf.Scalar, [x]);
    expect(Array.from(grads[x.name].dataSync())).toEqual([2, 2, 2]);
    const expected = Array.from(x.dataSync()).reduce((s, v) => s + 2 * v + v * v, 0);
    expect(value.dataSync()[0]).toBeCloseTo(expected, 4);
    tf.dispose([x, value, grads[x.name]]);
  });
});

describe('Dropout', () => {
  it('is the identity in eval mode and seeded in training mode', () => {
    const x = tf.ones([1000]);
    const d = new Dropout(0.25, { seed: 3 });
    const y = d.forward(x);
    const vals = y.dataSync();
    const zeros = vals.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(180);
    expect(zeros).toBeLessThan(320);
    vals.filter((v) => v !== 0).forEach((v) => expect(v).toBeCloseTo(1 / 0.75, 5));
    const again = new Dropout(0.25, { seed: 3 }).forward(x);
    expect(Array.from(again.dataSync())).toEqual(Array.from(vals));
    const second = d.forward(x); // next call draws a new mask
    expect(Array.from(second.dataSync())).not.toEqual(Array.from(vals));
    d.eval();
    expect(d.forward(x)).toBe(x);
    tf.dispose([x, y, again, second]);
  });
});

describe('MLP', () => {
  it('has fc1/fc2, supports outDim and its gradients match finite differences', () => {
    const mlp = new MLP(3, 5, { outDim: 2, seed: 4 });
    expect(mlp.namedParameters().map(([n]) => n)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    for (const [, v] of mlp.namedParameters()) {
      const t = tf.randomNormal(v.shape, 0, 0.7, 'float32', v.size);
      v.assign(t);
      t.dispose();
    }
    const x = inputVar([2, 2, 3], 11);
    const r = fixedRandom([2, 2, 2], 12);
    const res = checkGradients({ ...mlp.stateDict(), x }, () => tf.sum(tf.mul(mlp.forward(x), r)));
    expect(res.mismatches).toEqual([]);
    tf.dispose([x, r]);
    mlp.dispose();
  });
});

describe('seeded init', () => {
  it('seed 0 reproduces (tfjs treats seed 0 as unseeded, tfSeed maps it)', async () => {
    const { Linear } = await import('./linear.js');
    const a = new Linear(4, 3, { seed: 0 });
    const b = new Linear(4, 3, { seed: 0 });
    expect(Array.from(a.stateDict().weight.dataSync())).toEqual(Array.from(b.stateDict().weight.dataSync()));
    a.dispose();
    b.dispose();
  });
});
