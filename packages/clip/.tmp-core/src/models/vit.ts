import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../nn/module.js';
import { ModuleList } from '../nn/module-list.js';
import { Linear, type LinearContext, type LinearLike } from '../nn/linear.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { TransformerBlock } from '../nn/transformer-block.js';
import { deriveSeed } from '../nn/seed.js';
import { truncatedNormalInit } from '../nn/init.js';
import { parseConfig, vitConfigSchema, type ResolvedViTConfig, type ViTConfig } from './config.js';

/** Options for building a model. */
export interface ModelInitOptions {
  /** Seed of every parameter's initialisation (each gets a seed derived from it). Default 0. */
  seed?: number;
}

/** Output of {@link ViT.forward}. */
export interface ViTOutput {
  /** Final-LayerNorm patch features `[B, N, width]`. */
  tokens: tf.Tensor3D;
  /** Mean of `tokens` over the patches `[B, width]`. */
  pooled: tf.Tensor2D;
}

/**
 * A Vision Transformer image encoder: non-overlapping square patches flattened (row, column,
 * channel) and projected by the Linear `patch_embed` (no convolution: conv2d's filter gradient is
 * missing on wasm), plus a learned `pos_embed` `[N, width]`, then pre-LN `blocks` and `ln_final`.
 */
export class ViT extends Module {
  readonly config: ResolvedViTConfig;
  /** Patches per image (`(imageSize / patchSize)^2`). */
  readonly numPatches: number;
  readonly pos_embed: tf.Variable;
  readonly blocks: ModuleList<TransformerBlock>;

  constructor(config: ViTConfig, options: ModelInitOptions = {}) {
    super();
    const c = (this.config = parseConfig(vitConfigSchema, config, 'ViT'));
    const seed = options.seed ?? 0;
    const grid = c.imageSize / c.patchSize;
    this.numPatches = grid * grid;
    this.registerModule('patch_embed', new Linear(c.patchSize * c.patchSize * c.channels, c.width, { seed: deriveSeed(seed, 'patch_embed') }));
    this.pos_embed = this.registerParameter('pos_embed', truncatedNormalInit([this.numPatches, c.width], deriveSeed(seed, 'pos_embed')), { noDecay: true });
    this.blocks = this.registerModule('blocks', new ModuleList<TransformerBlock>());
    for (let i = 0; i < c.layers; i++) {
      this.blocks.push(new TransformerBlock(c.width, c.heads, c.mlpHidden, { dropout: c.dropout, eps: c.eps, seed: deriveSeed(seed, 'blocks', i) }));
    }
    this.registerModule('ln_final', new LayerNorm(c.width, { eps: c.eps }));
  }

  get patch_embed(): LinearLike {
    return this.getModule('patch_embed') as LinearLike;
  }
  get ln_final(): LayerNorm {
    return this.getModule('ln_final') as LayerNorm;
  }

  /**
   * `[B, H, W, C]` -> `[B, N, p*p*C]`. Merging (B, row-of-patches) and (pixel-column, channel) keeps
   * the transpose 4-D: `[B*gh, p, gw, p*C]` -> `[B*gh, gw, p, p*C]`.
   */
  patchify(images: tf.Tensor4D): tf.Tensor3D {
    const { imageSize: s, patchSize: p, channels: ch } = this.config;
    const [b, h, w, c] = images.shape;
    if (h !== s || w !== s || c !== ch) throw new Error(`ViT: expected images [B, ${s}, ${s}, ${ch}], got [${images.shape}]`);
    const g = s / p;
    return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(images, [b * g, p, g, p * c]), [0, 2, 1, 3]), [b, g * g, p * p * c]) as tf.Tensor3D);
  }

  /** Encodes images `[B, imageSize, imageSize, channels]` (scaled as by `imagesToTensor`). */
  forward(images: tf.Tensor4D, ctx?: LinearContext): ViTOutput {
    return tf.tidy(() => {
      let x = tf.add(this.patch_embed.forward(this.patchify(images), ctx), this.pos_embed);
      for (const block of this.blocks) x = block.forward(x, { ctx });
      const tokens = this.ln_final.forward(x) as tf.Tensor3D;
      return { tokens, pooled: tf.mean(tokens, 1) as tf.Tensor2D };
    });
  }
}
