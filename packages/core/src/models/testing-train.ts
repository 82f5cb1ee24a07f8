import * as tf from '@tensorflow/tfjs-core';
import type { VisionLanguageModel } from './vision-language-model.js';
import type { DualEncoder } from './dual-encoder.js';

/** Result of {@link trainSteps}: the loss of every step and the live-tensor count after each. */
export interface TrainTrace {
  losses: number[];
  tensors: number[];
}

/**
 * Test helper: `steps` Adam steps of `loss` over the model's trainable parameters, reading back the
 * loss each time (as a trainer does).
 */
export function trainSteps(params: tf.Variable[], loss: () => tf.Scalar, steps: number, lr = 3e-3): TrainTrace {
  const opt = tf.train.adam(lr);
  const trace: TrainTrace = { losses: [], tensors: [] };
  for (let s = 0; s < steps; s++) {
    const cost = opt.minimize(loss, true, params)!;
    trace.losses.push(cost.dataSync()[0]);
    cost.dispose();
    trace.tensors.push(tf.memory().numTensors);
  }
  opt.dispose();
  return trace;
}

/** Captioning loss: next-token cross-entropy on the text positions (pads ignored). */
export function captionLoss(vlm: VisionLanguageModel, images: tf.Tensor4D, ids: number[][], padId = 0): () => tf.Scalar {
  const b = ids.length;
  const t = ids[0].length;
  const inputIds = tf.tensor2d(ids.map((r) => r.slice(0, -1)), [b, t - 1], 'int32');
  const targets = tf.oneHot(tf.tensor2d(ids.map((r) => r.slice(1)), [b, t - 1], 'int32'), vlm.config.lm.vocabSize);
  const weights = tf.tensor2d(ids.map((r) => r.slice(1).map((v) => (v === padId ? 0 : 1))), [b, t - 1]);
  const attentionMask = tf.tensor2d(ids.map((r) => r.slice(0, -1).map((v, i) => (i === 0 || v !== padId ? 1 : 0))), [b, t - 1]);
  tf.keep(inputIds);
  return () => {
    const out = vlm.forward({ images, inputIds, attentionMask });
    return tf.losses.softmaxCrossEntropy(targets, out.logits, weights) as tf.Scalar;
  };
}

/** Symmetric InfoNCE over a batch of matching image/text pairs, temperature 0.1. */
export function contrastiveLoss(de: DualEncoder, images: tf.Tensor4D, ids: tf.Tensor2D, lengths: number[]): () => tf.Scalar {
  const b = lengths.length;
  const labels = tf.oneHot(tf.range(0, b, 1, 'int32'), b);
  return () => {
    const x = de.encodeImage(images);
    const y = de.encodeText(ids, lengths);
    const logits = tf.mul(tf.matMul(tf.div(x, tf.norm(x, 2, 1, true)), tf.transpose(tf.div(y, tf.norm(y, 2, 1, true)))), 10);
    return tf.div(tf.add(tf.losses.softmaxCrossEntropy(labels, logits), tf.losses.softmaxCrossEntropy(labels, tf.transpose(logits))), 2) as tf.Scalar;
  };
}

/** Random batch data shared by the training tests. */
export function makeBatch(b: number, imageSize: number, textLength: number, vocab: number, seed: number) {
  const images = tf.randomUniform([b, imageSize, imageSize, 3], -1, 1, 'float32', seed) as tf.Tensor4D;
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lengths = Array.from({ length: b }, () => 3 + Math.floor(rand() * (textLength - 2)));
  const ids = lengths.map((len) => Array.from({ length: textLength }, (_, i) => (i === 0 ? 1 : i < len - 1 ? 3 + Math.floor(rand() * (vocab - 3)) : i === len - 1 ? 2 : 0)));
  return { images, ids, lengths };
}
