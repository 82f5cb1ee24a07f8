import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../nn/module.js';
import { ModuleList } from '../nn/module-list.js';
import { Embedding } from '../nn/embedding.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { TransformerBlock } from '../nn/transformer-block.js';
import { buildAttentionBias } from '../nn/attention-bias.js';
import { deriveSeed } from '../nn/seed.js';
import { truncatedNormalInit } from '../nn/init.js';
import { parseConfig, textConfigSchema, type ResolvedTextConfig, type TextEncoderConfig } from './config.js';
import type { ModelInitOptions } from './vit.js';

/** Output of {@link TextEncoder.forward}. */
export interface TextEncoderOutput {
  /** Final-LayerNorm token features `[B, T, width]`. */
  tokens: tf.Tensor3D;
  /** The features of each sequence's last valid token `[B, width]`. */
  pooled: tf.Tensor2D;
}

/**
 * A causal text transformer (CLIP's text tower): `token_embed` + learned `pos_embed`, causal pre-LN
 * `blocks`, `ln_final`, pooled at the last valid token. Because attention is causal, padding after
 * a sequence's end cannot reach its last valid token, so no padding mask is needed.
 */
export class TextEncoder extends Module {
  readonly config: ResolvedTextConfig;
  readonly pos_embed: tf.Variable;
  readonly blocks: ModuleList<TransformerBlock>;

  constructor(config: TextEncoderConfig, options: ModelInitOptions = {}) {
    super();
    const c = (this.config = parseConfig(textConfigSchema, config, 'TextEncoder'));
    const seed = options.seed ?? 0;
    this.registerModule('token_embed', new Embedding(c.vocabSize, c.width, { seed: deriveSeed(seed, 'token_embed') }));
    this.pos_embed = this.registerParameter('pos_embed', truncatedNormalInit([c.maxLength, c.width], deriveSeed(seed, 'pos_embed'), 0.01), { noDecay: true });
    this.blocks = this.registerModule('blocks', new ModuleList<TransformerBlock>());
    for (let i = 0; i < c.layers; i++) {
      this.blocks.push(new TransformerBlock(c.width, c.heads, c.mlpHidden, { dropout: c.dropout, eps: c.eps, seed: deriveSeed(seed, 'blocks', i) }));
    }
    this.registerModule('ln_final', new LayerNorm(c.width, { eps: c.eps }));
  }

  get token_embed(): Embedding {
    return this.getModule('token_embed') as Embedding;
  }
  get ln_final(): LayerNorm {
    return this.getModule('ln_final') as LayerNorm;
  }

  /**
   * Encodes `ids` `[B, T]` (int32, T <= maxLength). `lengths[b]` (1..T) is the number of valid tokens
   * of row b; `pooled` takes the features at position `lengths[b] - 1`.
   */
  forward(ids: tf.Tensor2D, lengths: number[] | tf.Tensor1D): TextEncoderOutput {
    const { maxLength, width } = this.config;
    if (ids.rank !== 2 || ids.dtype !== 'int32') throw new Error(`TextEncoder.forward: ids must be an int32 [B, T] tensor, got ${ids.dtype} [${ids.shape}]`);
    const [b, t] = ids.shape;
    if (t > maxLength) throw new Error(`TextEncoder.forward: sequence length ${t} exceeds maxLength ${maxLength}`);
    if (Array.isArray(lengths)) {
      if (lengths.length !== b) throw new Error(`TextEncoder.forward: lengths has ${lengths.length} entries for a batch of ${b}`);
      lengths.forEach((l, i) => {
        if (!Number.isInteger(l) || l < 1 || l > t) throw new Error(`TextEncoder.forward: lengths[${i}] = ${l} must be an integer in [1, ${t}]`);
      });
    } else if (lengths.shape[0] !== b) throw new Error(`TextEncoder.forward: lengths has shape [${lengths.shape}] for a batch of ${b}`);
    return tf.tidy(() => {
      let x = tf.add(this.token_embed.forward(ids), tf.slice(this.pos_embed, [0, 0], [t, width]));
      const bias = buildAttentionBias({ queryLength: t, keyLength: t, causal: true });
      for (const block of this.blocks) x = block.forward(x, { attentionBias: bias });
      const tokens = this.ln_final.forward(x) as tf.Tensor3D;
      const lens = Array.isArray(lengths) ? tf.tensor1d(lengths, 'int32') : tf.cast(lengths, 'int32');
      const rows = tf.add(tf.mul(tf.range(0, b, 1, 'int32'), tf.scalar(t, 'int32')), tf.sub(lens, tf.scalar(1, 'int32')));
      const pooled = tf.gather(tf.reshape(tokens, [b * t, width]), rows) as tf.Tensor2D;
      return { tokens, pooled };
    });
  }
}
