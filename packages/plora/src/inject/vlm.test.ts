import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, initBackend, tf, type VisionLanguageModel } from '@vlalign/core';
import { bitsEqual, maxAbsDiff, sgdSteps } from '../testing/tiny-stack.js';
import { applyLoRA, applyPartialLoRA } from './apply-lora.js';
import { listTargetModules } from './target-modules.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const ids = () => tf.tensor2d([[1, 5, 9, 12, 7, 2, 0, 0], [1, 30, 4, 8, 2, 0, 0, 0]], undefined, 'int32') as tf.Tensor2D;
const images = () => tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 5) as tf.Tensor4D;

/** Next-token cross-entropy on the text positions (pad 0 included: enough to move the weights). */
function captionLoss(model: VisionLanguageModel, img: tf.Tensor4D, text: tf.Tensor2D): tf.Scalar {
  const { logits } = model.forward({ images: img, inputIds: text });
  const [b, t, v] = logits.shape;
  const pred = tf.reshape(tf.slice(logits, [0, 0, 0], [b, t - 1, v]), [-1, v]);
  const labels = tf.reshape(tf.slice(text, [0, 1], [b, t - 1]), [-1]);
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, v), tf.logSoftmax(pred)), -1))) as tf.Scalar;
}

describe('LoRA on a tiny VisionLanguageModel', () => {
  it('resolves the presets against the model structure', () => {
    const vlm = createModel('vlm', 'tiny', { seed: 0 });
    const llm = listTargetModules(vlm, 'llm-all-linear');
    expect(llm).toHaveLength(12);
    expect(llm.every((p) => p.startsWith('lm.blocks.'))).toBe(true);
    expect(listTargetModules(vlm, 'llm-attention')).toHaveLength(8);
    expect(listTargetModules(vlm, 'llm-qv')).toEqual(['lm.blocks.0.attn.q_proj', 'lm.blocks.0.attn.v_proj', 'lm.blocks.1.attn.q_proj', 'lm.blocks.1.attn.v_proj']);
    expect(listTargetModules(vlm, 'llm-mlp')).toHaveLength(4);
    expect(listTargetModules(vlm, 'vision-all-linear').every((p) => p.startsWith('vision.blocks.'))).toBe(true);
    expect(listTargetModules(vlm, 'projector')).toEqual(['projector.fc1', 'projector.fc2']);
    const all = listTargetModules(vlm, 'all-linear');
    expect(all).not.toContain('lm.lm_head');
    expect(all).toContain('vision.patch_embed');
    expect(() => listTargetModules(vlm, 'text-all-linear')).toThrow(/needs a text encoder/);
    const lm = createModel('lm', 'tiny', { seed: 0 });
    expect(listTargetModules(lm, 'llm-qv')).toEqual(['blocks.0.attn.q_proj', 'blocks.0.attn.v_proj', 'blocks.1.attn.q_proj', 'blocks.1.attn.v_proj']);
    vlm.dispose();
    lm.dispose();
  });

  it('Partial LoRA: after training, text-only LM outputs are bit-for-bit the base; image-conditioned outputs moved; memory flat', () => {
    const vlm = createModel('vlm', 'tiny', { seed: 0 });
    const text = ids();
    const img = images();
    vlm.eval();
    const textOnlyBefore = vlm.lm.forward(text).logits;
    const withImageBefore = vlm.forward({ images: img, inputIds: text }).logits;
    const result = applyPartialLoRA(vlm, { rank: 4, alpha: 4, dropout: 0.05 });
    expect(result.targets).toHaveLength(12);
    vlm.train();
    sgdSteps(vlm, () => captionLoss(vlm, img, text), 1, 0.5);
    const before = tf.memory().numTensors;
    const losses = sgdSteps(vlm, () => captionLoss(vlm, img, text), 2, 0.5);
    expect(tf.memory().numTensors).toBe(before);
    expect(losses[1]).toBeLessThan(losses[0]);
    vlm.eval();
    expect(bitsEqual(vlm.lm.forward(text).logits, textOnlyBefore)).toBe(true);
    expect(maxAbsDiff(vlm.forward({ images: img, inputIds: text }).logits, withImageBefore)).toBeGreaterThan(1e-4);
    vlm.dispose();
  });

  it('standard LoRA on the same layers does change text-only outputs (the contrast)', () => {
    const vlm = createModel('vlm', 'tiny', { seed: 0 });
    const text = ids();
    const img = images();
    vlm.eval();
    const textOnlyBefore = vlm.lm.forward(text).logits;
    applyLoRA(vlm, { rank: 4, alpha: 4, targets: 'llm-all-linear' });
    vlm.train();
    sgdSteps(vlm, () => captionLoss(vlm, img, text), 1, 0.5);
    vlm.eval();
    expect(maxAbsDiff(vlm.lm.forward(text).logits, textOnlyBefore)).toBeGreaterThan(1e-4);
    vlm.dispose();
  });
});
