import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { markNoDecay } from '../nn/module.js';
import { AdamW } from './adamw.js';
import { cosineWithWarmup } from './schedules.js';
import fixture from './fixtures/optim.fixture.json';

type Arr = { shape: number[]; data: number[] };
const fx = fixture.adamw;

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(tol * (1 + Math.abs(expected[i])));
}

function makeVars(): Record<string, tf.Variable> {
  const vars: Record<string, tf.Variable> = {};
  for (const [k, a] of Object.entries(fx.initial as Record<string, Arr>)) vars[k] = tf.variable(tf.tensor(a.data, a.shape));
  for (const k of fx.noDecayMarked) markNoDecay(vars[k]);
  return vars;
}

describe.each(['wasm', 'cpu'] as const)('AdamW vs torch.optim.AdamW (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('matches parameters and schedule lr over several steps, with decay and no-decay variables', () => {
    const vars = makeVars();
    const opt = new AdamW({ beta1: fx.beta1, beta2: fx.beta2, eps: fx.eps, weightDecay: fx.weightDecay });
    const sched = cosineWithWarmup({ warmupSteps: fx.warmupSteps, totalSteps: fx.totalSteps, minLrRatio: fx.minLrRatio });
    expect(opt.isNoDecay(vars.w)).toBe(false);
    expect(opt.isNoDecay(vars.emb) && opt.isNoDecay(vars.b) && opt.isNoDecay(vars.s)).toBe(true);
    fx.steps.forEach((st, t) => {
      const lr = fx.baseLr * sched(t);
      expect(lr).toBeCloseTo(st.lr, 7);
      const grads = new Map<tf.Variable, tf.Tensor>();
      for (const [k, g] of Object.entries(st.grads as Record<string, Arr>)) grads.set(vars[k], tf.tensor(g.data, g.shape));
      opt.step(grads, lr);
      tf.dispose([...grads.values()]);
      for (const [k, expected] of Object.entries(st.params as Record<string, number[]>)) expectClose(vars[k].dataSync(), expected, 2e-5);
    });
    const names = new Map(Object.entries(vars).map(([k, v]) => [v, k] as [tf.Variable, string]));
    const state = opt.getState(names);
    for (const [k, s] of Object.entries(fx.finalState)) {
      expectClose(state[`${k}.exp_avg`].dataSync(), s.exp_avg, 1e-5);
      expectClose(state[`${k}.exp_avg_sq`].dataSync(), s.exp_avg_sq, 1e-5);
      expect(state[`${k}.step`].dataSync()[0]).toBe(s.step);
    }
    tf.dispose(Object.values(state));
    opt.dispose();
    tf.dispose(Object.values(vars));
  });

  it('accepts a NamedTensorMap from tf.variableGrads and round-trips its state exactly', () => {
    const a = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
    const b = tf.variable(tf.tensor1d([0.5, -0.5]));
    const run = (opt: AdamW) => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.add(tf.matMul(a, a), b))), [a, b]);
      opt.step(grads, 0.01);
      value.dispose();
      tf.dispose(Object.values(grads));
    };
    const opt1 = new AdamW({ weightDecay: 0.1 });
    run(opt1);
    run(opt1);
    const names = new Map<tf.Variable, string>([[a, 'a'], [b, 'b']]);
    const saved = opt1.getState(names);
    const snapshot = [a.arraySync(), b.arraySync()];
    const count = opt1.stepCount;
    run(opt1);
    const after = [a.dataSync().slice(), b.dataSync().slice()];
    // Restore weights and state into a fresh optimiser, repeat the third step.
    a.assign(tf.tensor2d(snapshot[0] as number[][]));
    b.assign(tf.tensor1d(snapshot[1] as number[]));
    const opt2 = new AdamW({ weightDecay: 0.1 });
    opt2.setState(saved, names, count);
    expect(opt2.stepCount).toBe(2);
    run(opt2);
    expect(Array.from(a.dataSync())).toEqual(Array.from(after[0]));
    expect(Array.from(b.dataSync())).toEqual(Array.from(after[1]));
    tf.dispose(Object.values(saved));
    opt1.dispose();
    opt2.dispose();
    a.dispose();
    b.dispose();
  });

  it('keeps the tensor count flat across steps and skips frozen variables', () => {
    const w = tf.variable(tf.ones([4, 4]));
    const frozen = tf.variable(tf.ones([2, 2]), false);
    const opt = new AdamW();
    const g = tf.ones([4, 4]);
    const gf = tf.ones([2, 2]);
    const before = tf.memory().numTensors;
    opt.step(new Map([[w, g], [frozen, gf]]), 0.1);
    const n = tf.memory().numTensors;
    // The first step creates exactly the two moment variables of `w` and nothing else.
    expect(n).toBe(before + 2);
    for (let i = 0; i < 5; i++) opt.step(new Map([[w, g], [frozen, gf]]), 0.1);
    expect(tf.memory().numTensors).toBe(n);
    expect(Array.from(frozen.dataSync())).toEqual([1, 1, 1, 1]);
    expect(() => opt.step(new Map([[w, gf]]), 0.1)).toThrow(/shape \[2,2\]/);
    tf.dispose([w, frozen, g, gf]);
    opt.dispose();
  });
});
