import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { AdamW } from '../optim/adamw.js';
import { VisionLanguageModel } from '../models/vision-language-model.js';
import { DualEncoder } from '../models/dual-encoder.js';
import { createModel } from '../models/presets.js';
import { microDual, microVLM } from '../models/testing-configs.js';
import { captionLoss, contrastiveLoss, makeBatch } from '../models/testing-train.js';
import { setFusedOps } from './fused-switch.js';
import { relDiff } from './testing-compare.js';

const TOL = 1e-5;

interface Run {
  losses: number[];
  /** Gradients at the checked steps, flattened per variable. */
  grads: Float32Array[][];
  names: string[];
  /** The other path's gradients at the same parameters. */
  otherGrads: Float32Array[][];
  tensors: number[];
  /** Backend buffers alive after each step (catches a shared-buffer refcount leak on wasm). */
  buffers: number[];
}

/**
 * `steps` AdamW steps; the same data and seeds on both paths, only the fused switch differs.
 * Learning rates are modest on purpose: Adam's first steps move every weight by about lr whatever
 * the gradient's size, and at large lr the trajectory amplifies 1e-7 rounding differences (any two
 * implementations, e.g. plain vs plain with one op reordered) past 1e-5 within a few steps.
 */
function train(named: [string, tf.Variable][], loss: () => tf.Scalar, steps: number, fused: boolean, checkAt: number[], lr: number): Run {
  const params = named.map(([, v]) => v);
  setFusedOps(fused);
  const opt = new AdamW({ weightDecay: 0.01 });
  const run: Run = { losses: [], grads: [], otherGrads: [], tensors: [], buffers: [], names: named.map(([n]) => n) };
  try {
    for (let s = 0; s < steps; s++) {
      const { value, grads } = tf.variableGrads(loss, params);
      if (checkAt.includes(s)) {
        // The other path's gradients at the SAME parameters, so the comparison isolates the ops
        // from the (rounding-sensitive) training trajectory.
        setFusedOps(!fused);
        const other = tf.variableGrads(loss, params);
        setFusedOps(fused);
        run.grads.push(params.map((p) => grads[p.name].dataSync() as Float32Array));
        run.otherGrads.push(params.map((p) => other.grads[p.name].dataSync() as Float32Array));
        tf.dispose([other.value, ...Object.values(other.grads)]);
      }
      opt.step(grads, lr);
      run.losses.push(value.dataSync()[0]);
      tf.dispose([value, ...Object.values(grads)]);
      run.tensors.push(tf.memory().numTensors);
      run.buffers.push(tf.engine().backend.numDataIds());
    }
  } finally {
    opt.dispose();
    setFusedOps(true);
  }
  return run;
}

function expectSame(fused: Run, plain: Run): void {
  // Losses relative to the starting loss: the loss falls ~1000x over 50 steps, and the trajectory itself
  // amplifies rounding (plain vs plain with images scaled by 1 + 1e-7 differs by 2.3e-5 of the
  // current loss by step 40 on the micro DualEncoder), so "relative to the current loss" late in
  // training measures float32 chaos, not the fused ops.
  for (let s = 0; s < plain.losses.length; s++) expect(Math.abs(fused.losses[s] - plain.losses[s]) / Math.abs(plain.losses[0]), `loss at step ${s}: ${fused.losses[s]} vs ${plain.losses[s]}`).toBeLessThan(TOL);
  for (let c = 0; c < fused.grads.length; c++) {
    // Some gradients are exactly zero in exact arithmetic (a key bias cannot change a softmax), so
    // both paths give rounding noise there: the scale is at least 1% of the model's largest gradient.
    // Late in training (loss ~1e-3) gradients such as a position embedding's are long sums with
    // heavy cancellation (lm.pos_embed differs by 1.2e-5 of its own scale at step 49), so later
    // checks measure every variable at the scale of the model's largest gradient.
    const ref = fused.otherGrads[c];
    const largest = Math.max(...ref.map((g) => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
    for (let i = 0; i < ref.length; i++) expect(relDiff(fused.grads[c][i], ref[i], c === 0 ? 1e-2 * largest : largest), `gradient of ${fused.names[i]} at check ${c}`).toBeLessThan(TOL);
  }
  // Flat after the first step (which creates the optimiser's moment slots).
  expect(new Set(fused.tensors.slice(1)).size).toBe(1);
  expect(new Set(plain.tensors.slice(1)).size).toBe(1);
  expect(new Set(fused.buffers.slice(1)).size).toBe(1);
  expect(new Set(plain.buffers.slice(1)).size).toBe(1);
}

describe('fused ops: whole models train identically to the plain path (wasm)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(() => setFusedOps(true));

  it('a tiny VisionLanguageModel: 50 AdamW steps, losses and gradients within 1e-5', () => {
    const { images, ids } = makeBatch(4, 16, 8, 24, 3);
    const runOnce = (fused: boolean) => {
      const vlm = new VisionLanguageModel(microVLM, { seed: 1 });
      const r = train(vlm.namedParameters(), captionLoss(vlm, images, ids), 50, fused, fused ? [0, 49] : [], 1e-3);
      vlm.dispose();
      return r;
    };
    expectSame(runOnce(true), runOnce(false));
    images.dispose();
  });

  it('a tiny DualEncoder: 50 AdamW steps, losses and gradients within 1e-5', () => {
    const { images, ids, lengths } = makeBatch(8, 16, 8, 24, 4);
    const idsT = tf.tensor2d(ids, [8, 8], 'int32');
    const runOnce = (fused: boolean) => {
      const de = new DualEncoder(microDual, { seed: 2 });
      const r = train(de.namedParameters(), contrastiveLoss(de, images, idsT, lengths), 50, fused, fused ? [0, 49] : [], 1e-3);
      de.dispose();
      return r;
    };
    expectSame(runOnce(true), runOnce(false));
    tf.dispose([images, idsT]);
  });

  it('the clip-bench DualEncoder (the benchmark model): 3 steps, losses and gradients within 1e-5', () => {
    const images = tf.randomUniform([8, 32, 32, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
    const ids = tf.randomUniform([8, 16], 0, 512, 'int32', 8) as tf.Tensor2D;
    const lengths = [16, 12, 9, 16, 5, 16, 14, 3];
    const runOnce = (fused: boolean) => {
      const de = createModel('dual-encoder', 'clip-bench', { seed: 1 }) as DualEncoder;
      const r = train(de.namedParameters(), contrastiveLoss(de, images, ids, lengths), 3, fused, fused ? [0, 2] : [], 1e-4);
      de.dispose();
      return r;
    };
    expectSame(runOnce(true), runOnce(false));
    tf.dispose([images, ids]);
  });
});
