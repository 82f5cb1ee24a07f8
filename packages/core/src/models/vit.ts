import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../nn/module.js';
import { ModuleList } from '../nn/module-list.js';
import { Linear, type LinearContext, type LinearLike } from '../nn/linear.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { TransformerBlock } from '../nn/transformer-block.js';
import { deriveSeed } from '../nn/seed.js';
import { truncatedNormalInit } from '../nn/init.js';
import { ConvStem } from '../nn/conv-stem.js';
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
 * Channels after each stage of the conv stem of a ViT with this patch size and width: the width
 * halves going back from the last stage, never below 16 (width 64, patch 8 -> `[16, 32, 64]`).
 */
export function convStemChannels(patchSize: number, width: number): number[] {
  const stages = Math.round(Math.log2(patchSize));
  return Array.from({ length: stages }, (_, i) => (i === stages - 1 ? width : Math.max(16, Math.round(width / 2 ** (stages - 1 - i)))));
}

/**
 * A Vision Transformer image encoder. With `stem: 'patch'` (default), non-overlapping square patches
 * flattened (row, column, channel) and projected by the Linear `patch_embed`; with `stem: 'conv'`,
 * a {@link ConvStem} `stem` of stride-2 3x3 convolutions down to the same grid. Then a learned
 * `pos_embed` `[N, width]`, pre-LN `blocks` and `ln_final`.
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
    if (c.stem === 'conv') this.registerModule('stem', new ConvStem(c.channels, convStemChannels(c.patchSize, c.width), { seed: deriveSeed(seed, 'stem'), eps: c.eps }));
    else this.registerModule('patch_embed', new Linear(c.patchSize * c.patchSize * c.channels, c.width, { seed: deriveSeed(seed, 'patch_embed') }));
    this.pos_embed = this.registerParameter('pos_embed', truncatedNormalInit([this.numPatches, c.width], deriveSeed(seed, 'pos_embed')), { noDecay: true });
    this.blocks = this.registerModule('blocks', new ModuleList<TransformerBlock>());
    for (let i = 0; i < c.layers; i++) {
      this.blocks.push(new TransformerBlock(c.width, c.heads, c.mlpHidden, { dropout: c.dropout, eps: c.eps, seed: deriveSeed(seed, 'blocks', i) }));
    }
    this.registerModule('ln_final', new LayerNorm(c.width, { eps: c.eps }));
  }

  /** The patch projection (`stem: 'patch'` only). */
  get patch_embed(): LinearLike {
    if (this.config.stem !== 'patch') throw new Error(`ViT.patch_embed: this ViT has stem "${this.config.stem}", which has no patch_embed`);
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
    const { imageSize: s, patchSize: p } = this.config;
    const [b, , , c] = images.shape;
    this.checkImages(images);
    const g = s / p;
    return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(images, [b * g, p, g, p * c]), [0, 2, 1, 3]), [b, g * g, p * p * c]) as tf.Tensor3D);
  }

  private checkImages(images: tf.Tensor4D): void {
    const { imageSize: s, channels: ch } = this.config;
    const [, h, w, c] = images.shape;
    if (h !== s || w !== s || c !== ch) throw new Error(`ViT: expected images [B, ${s}, ${s}, ${ch}], got [${images.shape}]`);
  }

  /** Images -> patch tokens `[B, N, width]`, before the position embedding. */
  embedPatches(images: tf.Tensor4D, ctx?: LinearContext): tf.Tensor3D {
    if (this.config.stem === 'patch') return this.patch_embed.forward(this.patchify(images), ctx) as tf.Tensor3D;
    this.checkImages(images);
    const b = images.shape[0];
    const width = this.config.width;
    return tf.tidy(() => tf.reshape((this.getModule('stem') as ConvStem).forward(images), [b, this.numPatches, width]) as tf.Tensor3D);
  }

  /** Encodes images `[B, imageSize, imageSize, channels]` (scaled as by `imagesToTensor`). */
  forward(images: tf.Tensor4D, ctx?: LinearContext): ViTOutput {
    return tf.tidy(() => {
      let x = tf.add(this.embedPatches(images, ctx), this.pos_embed);
      for (const block of this.blocks) x = block.forward(x, { ctx });
      const tokens = this.ln_final.forward(x) as tf.Tensor3D;
      return { tokens, pooled: tf.mean(tokens, 1) as tf.Tensor2D };
    });
  }
}
