import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, createModel, maskedMeanCrossEntropy, tf, type DualEncoder, type VisionLanguageModel } from '@vlalign/core';
import { clipLoss } from '@vlalign/clip';
import { randomInts, randomTensor } from './random-tensor.js';
import { addonBuilt, setUpNative, withoutNative } from './testing/native-harness.js';

interface Run {
  losses: number[];
  tensorsAfterStep: number[];
}

/** AdamW steps of the tiny CLIP dual encoder with the clip plugin's InfoNCE loss. */
function trainClip(steps: number): Run {
  const model = createModel('dual-encoder', 'tiny', { seed: 3 }) as DualEncoder;
  const logitScale = tf.variable(tf.scalar(Math.log(1 / 0.07)));
  const lengths = [32, 30, 28, 20, 32, 16, 25, 32, 31, 29, 27, 19, 32, 15, 24, 32];
  const opt = new AdamW({ weightDecay: 0.01 });
  const vars = [...model.trainableParameters(), logitScale];
  const run: Run = { losses: [], tensorsAfterStep: [] };
  for (let s = 0; s < steps; s++) {
    // A fresh batch every step, as in training: the loss stays O(1) instead of collapsing towards
    // zero, where a float32 InfoNCE value (a difference of log-sum-exps of size ~10) keeps only
    // ~1e-6 absolute resolution and relative comparisons would measure rounding of the loss itself.
    const images = randomTensor([16, 64, 64, 3], 1000 + s);
    const ids = randomInts([16, 32], 512, 2000 + s);
    const { value, grads } = tf.variableGrads(() => {
      const normalise = (x: tf.Tensor) => tf.div(x, tf.norm(x, 'euclidean', -1, true)) as tf.Tensor2D;
      const i = normalise(model.encodeImage(images as tf.Tensor4D));
      const t = normalise(model.encodeText(ids as tf.Tensor2D, lengths));
      return clipLoss(i, t, tf.exp(tf.minimum(logitScale, Math.log(100))) as tf.Scalar);
    }, vars);
    opt.step(grads, 1e-3);
    run.losses.push(value.dataSync()[0]);
    tf.dispose([value, images, ids, ...Object.values(grads)]);
    run.tensorsAfterStep.push(tf.memory().numTensors);
  }
  opt.dispose?.();
  model.dispose();
  logitScale.dispose();
  return run;
}

/** Captioning (next-token cross-entropy) steps of the tiny VLM. */
function trainCaptioning(steps: number): Run {
  const model = createModel('vlm', 'tiny', { seed: 4 }) as VisionLanguageModel;
  const images = randomTensor([4, 64, 64, 3], 21);
  const inputIds = randomInts([4, 20], 512, 22);
  const labels = tf.concat([tf.slice(inputIds, [0, 1], [4, 19]), tf.fill([4, 1], -100, 'int32')], 1);
  const opt = new AdamW({ weightDecay: 0.01 });
  const vars = model.trainableParameters();
  const run: Run = { losses: [], tensorsAfterStep: [] };
  for (let s = 0; s < steps; s++) {
    const { value, grads } = tf.variableGrads(() => maskedMeanCrossEntropy(model.forward({ images: images as tf.Tensor4D, inputIds: inputIds as tf.Tensor2D }).logits, labels), vars);
    opt.step(grads, 3e-3);
    run.losses.push(value.dataSync()[0]);
    tf.dispose([value, ...Object.values(grads)]);
    run.tensorsAfterStep.push(tf.memory().numTensors);
  }
  opt.dispose?.();
  model.dispose();
  tf.dispose([images, inputIds, labels]);
  return run;
}

function maxRelative(a: number[], b: number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.abs(b[i])));
}

describe.skipIf(!addonBuilt)('training with native kernels', () => {
  beforeAll(setUpNative);

  it('50 CLIP steps give the plain path\'s losses (1e-5 relative) and leak no tensors', async () => {
    const plain = await withoutNative(() => trainClip(50));
    const native = trainClip(50);
    expect(maxRelative(native.losses, plain.losses)).toBeLessThanOrEqual(1e-5);
    expect(new Set(native.tensorsAfterStep.slice(1)).size).toBe(1);
  });

  it('20 captioning steps of the tiny VLM give the plain path\'s losses', async () => {
    const plain = await withoutNative(() => trainCaptioning(20));
    const native = trainCaptioning(20);
    expect(native.losses[19]).toBeLessThan(native.losses[0]);
    expect(maxRelative(native.losses, plain.losses)).toBeLessThanOrEqual(1e-5);
    expect(new Set(native.tensorsAfterStep.slice(1)).size).toBe(1);
  });
});
