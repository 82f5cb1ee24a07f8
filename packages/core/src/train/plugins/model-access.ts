import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../../nn/module.js';
import type { Sample, RgbImage } from '../../data/types.js';
import type { PluginContext } from '../plugin.js';

/** The part of `VisionLanguageModel` the core plugins use. */
export interface VlmLike extends Module {
  forward(inputs: { images: tf.Tensor4D; inputIds: tf.Tensor2D; attentionMask?: tf.Tensor2D }): { logits: tf.Tensor };
}

/** The part of `CausalLM` the core plugins use. */
export interface CausalLmLike extends Module {
  forward(ids: tf.Tensor2D, options?: { attentionMask?: tf.Tensor2D }): { logits: tf.Tensor };
}

/** The input image side of a VLM (`vision.config.imageSize`, `config.vision.imageSize` or `imageSize`). */
export function vlmImageSize(model: Module): number {
  const m = model as unknown as { imageSize?: number; config?: { vision?: { imageSize?: number } }; vision?: { config?: { imageSize?: number } } };
  const size = m.vision?.config?.imageSize ?? m.config?.vision?.imageSize ?? m.imageSize;
  if (!Number.isInteger(size)) throw new Error('The model exposes no image size (expected vision.config.imageSize, as VisionLanguageModel has)');
  return size as number;
}

/** The causal LM to run text through: the model itself, or the `lm` inside a VLM. */
export function textLm(ctx: Pick<PluginContext, 'model' | 'capabilities'>): CausalLmLike {
  const m = ctx.model as unknown as { lm?: CausalLmLike };
  if (ctx.capabilities.includes('vlm') && m.lm) return m.lm;
  return ctx.model as CausalLmLike;
}

/** The images of a batch, with an error naming the first sample that has none. */
export function sampleImages(samples: readonly Sample[], plugin: string): RgbImage[] {
  return samples.map((s) => {
    if (!s.image) throw new Error(`${plugin}: sample "${s.id}" has no "image"; this plugin trains on image-text pairs`);
    return s.image;
  });
}
