import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../nn/module.js';
import { Linear, type LinearLike } from '../nn/linear.js';
import { deriveSeed } from '../nn/seed.js';
import type { ModelCapability } from '../train/plugin.js';
import { dualEncoderConfigSchema, parseConfig, type DualEncoderConfig, type ResolvedDualEncoderConfig } from './config.js';
import { ViT, type ModelInitOptions } from './vit.js';
import { TextEncoder } from './text-encoder.js';

/**
 * A CLIP-style dual encoder: a `vision` ViT (mean-pooled) and a causal `text` encoder (pooled at the
 * last valid token), each followed by a bias-free linear projection (`image_proj`, `text_proj`)
 * into a shared `embedDim` space. Embeddings are returned unnormalised; losses normalise them.
 */
export class DualEncoder extends Module {
  readonly capabilities: readonly ModelCapability[] = ['dual-encoder', 'vision'];
  readonly config: ResolvedDualEncoderConfig;

  constructor(config: DualEncoderConfig, options: ModelInitOptions = {}) {
    super();
    const c = (this.config = parseConfig(dualEncoderConfigSchema, config, 'DualEncoder'));
    const seed = options.seed ?? 0;
    this.registerModule('vision', new ViT(c.vision, { seed: deriveSeed(seed, 'vision') }));
    this.registerModule('text', new TextEncoder(c.text, { seed: deriveSeed(seed, 'text') }));
    this.registerModule('image_proj', new Linear(c.vision.width, c.embedDim, { bias: false, seed: deriveSeed(seed, 'image_proj') }));
    this.registerModule('text_proj', new Linear(c.text.width, c.embedDim, { bias: false, seed: deriveSeed(seed, 'text_proj') }));
  }

  get vision(): ViT {
    return this.getModule('vision') as ViT;
  }
  get text(): TextEncoder {
    return this.getModule('text') as TextEncoder;
  }
  get image_proj(): LinearLike {
    return this.getModule('image_proj') as LinearLike;
  }
  get text_proj(): LinearLike {
    return this.getModule('text_proj') as LinearLike;
  }

  /** Image embeddings `[B, embedDim]` (not normalised). */
  encodeImage(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.image_proj.forward(this.vision.forward(images).pooled) as tf.Tensor2D);
  }

  /** Text embeddings `[B, embedDim]` (not normalised); `lengths` counts each row's valid tokens. */
  encodeText(ids: tf.Tensor2D, lengths: number[] | tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => this.text_proj.forward(this.text.forward(ids, lengths).pooled) as tf.Tensor2D);
  }
}
