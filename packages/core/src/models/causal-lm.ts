import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../nn/module.js';
import { ModuleList } from '../nn/module-list.js';
import { Embedding } from '../nn/embedding.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { Linear, type LinearLike } from '../nn/linear.js';
import { TransformerBlock } from '../nn/transformer-block.js';
import { buildAttentionBias } from '../nn/attention-bias.js';
import { deriveSeed } from '../nn/seed.js';
import { truncatedNormalInit } from '../nn/init.js';
import type { ModelCapability } from '../train/plugin.js';
import { parseConfig, textConfigSchema, type CausalLMConfig, type ResolvedTextConfig } from './config.js';
import { KVCache } from './kv-cache.js';
import type { ModelInitOptions } from './vit.js';
import { generateTokens, type GenerateOptions, type GenerateResult } from './generate.js';

/** Per-call options of {@link CausalLM.forward}. */
export interface CausalLMForwardOptions {
  /** Embeddings `[B, P, width]` placed before the token embeddings (e.g. projected image features). */
  prefix?: tf.Tensor;
  /** `[B, P + T]` 0/1 mask of this call's positions: 0 hides a key (padding) from every query. */
  attentionMask?: tf.Tensor;
  /** Hide the prefix positions from every query (they keep their positions). Default false. */
  maskPrefix?: boolean;
  /** `[B, P + T]` 0/1, 1 on visual-token rows; given to every linear layer as `{ visualMask }`. */
  visualMask?: tf.Tensor;
  /** KV cache for incremental decoding (see {@link CausalLM.createCache}); not under a gradient tape. */
  kvCache?: KVCache;
  /**
   * `[B, P + T]` int32 absolute positions (for left-padded batches). Default: consecutive positions
   * starting after the cached ones.
   */
  positionIds?: tf.Tensor;
  /**
   * Return outputs only from this position of the call on (negative counts from the end: -1 is the
   * last position). Saves the vocabulary projection for positions nobody reads. Default 0.
   */
  outputStart?: number;
}

/** Output of {@link CausalLM.forward}. */
export interface CausalLMOutput {
  /** `[B, L, vocabSize]` next-token logits (L = P + T, or fewer with `outputStart`). */
  logits: tf.Tensor3D;
  /** `[B, L, width]` final-LayerNorm features (the vocabulary projection's input). */
  hidden: tf.Tensor3D;
}

/**
 * A decoder-only transformer language model: `token_embed` + learned `pos_embed`, causal pre-LN
 * `blocks`, final `ln_f` and the vocabulary projection `lm_head` (no bias). Supports embedding
 * prefixes, padding masks, a KV cache and {@link CausalLM.generate}.
 */
export class CausalLM extends Module {
  readonly capabilities: readonly ModelCapability[] = ['lm'];
  readonly config: ResolvedTextConfig;
  readonly pos_embed: tf.Variable;
  readonly blocks: ModuleList<TransformerBlock>;

  constructor(config: CausalLMConfig, options: ModelInitOptions = {}) {
    super();
    const c = (this.config = parseConfig(textConfigSchema, config, 'CausalLM'));
    const seed = options.seed ?? 0;
    this.registerModule('token_embed', new Embedding(c.vocabSize, c.width, { seed: deriveSeed(seed, 'token_embed') }));
    this.pos_embed = this.registerParameter('pos_embed', truncatedNormalInit([c.maxLength, c.width], deriveSeed(seed, 'pos_embed'), 0.01), { noDecay: true });
    this.blocks = this.registerModule('blocks', new ModuleList<TransformerBlock>());
    for (let i = 0; i < c.layers; i++) {
      this.blocks.push(new TransformerBlock(c.width, c.heads, c.mlpHidden, { dropout: c.dropout, eps: c.eps, seed: deriveSeed(seed, 'blocks', i) }));
    }
    this.registerModule('ln_f', new LayerNorm(c.width, { eps: c.eps }));
    this.registerModule('lm_head', new Linear(c.width, c.vocabSize, { bias: false, seed: deriveSeed(seed, 'lm_head') }));
  }

  get token_embed(): Embedding {
    return this.getModule('token_embed') as Embedding;
  }
  get ln_f(): LayerNorm {
    return this.getModule('ln_f') as LayerNorm;
  }
  get lm_head(): LinearLike {
    return this.getModule('lm_head') as LinearLike;
  }

  /** Token embeddings `[B, T, width]` of int32 `ids` `[B, T]` (no positions added). */
  embed(ids: tf.Tensor): tf.Tensor3D {
    return this.token_embed.forward(ids) as tf.Tensor3D;
  }

  /** An empty KV cache sized for this model. */
  createCache(): KVCache {
    return new KVCache(this.config.layers);
  }

  /** Runs the LM over `[prefix; embed(ids)]`. See {@link CausalLMForwardOptions}. */
  forward(ids: tf.Tensor, options: CausalLMForwardOptions = {}): CausalLMOutput {
    const { width, maxLength } = this.config;
    if (ids.rank !== 2 || ids.dtype !== 'int32') throw new Error(`CausalLM.forward: ids must be an int32 [B, T] tensor, got ${ids.dtype} [${ids.shape}]`);
    const [b, t] = ids.shape as [number, number];
    const { prefix, kvCache: cache } = options;
    if (prefix && (prefix.rank !== 3 || prefix.shape[0] !== b || prefix.shape[2] !== width)) {
      throw new Error(`CausalLM.forward: prefix must be [${b}, P, ${width}], got [${prefix.shape}]`);
    }
    const p = prefix ? prefix.shape[1]! : 0;
    const len = p + t;
    const past = cache?.length ?? 0;
    if (past + len > maxLength) throw new Error(`CausalLM.forward: ${past + len} positions (cached ${past} + prefix ${p} + tokens ${t}) exceed maxLength ${maxLength}`);
    for (const [name, m] of [['attentionMask', options.attentionMask], ['visualMask', options.visualMask], ['positionIds', options.positionIds]] as const) {
      if (m && (m.rank !== 2 || m.shape[0] !== b || m.shape[1] !== len)) throw new Error(`CausalLM.forward: ${name} must be [${b}, ${len}] (prefix + tokens), got [${m.shape}]`);
    }
    const start = options.outputStart === undefined ? 0 : options.outputStart < 0 ? len + options.outputStart : options.outputStart;
    if (start < 0 || start >= len) throw new Error(`CausalLM.forward: outputStart ${options.outputStart} is outside [${-len}, ${len})`);

    return tf.tidy(() => {
      let x: tf.Tensor = this.embed(ids);
      if (prefix) x = tf.concat([prefix, x], 1);
      const pos = options.positionIds
        ? tf.reshape(tf.gather(this.pos_embed, tf.reshape(tf.cast(options.positionIds, 'int32'), [-1])), [b, len, width])
        : tf.slice(this.pos_embed, [past, 0], [len, width]);
      x = tf.add(x, pos);

      let mask: tf.Tensor | undefined = options.attentionMask ? tf.cast(options.attentionMask, 'float32') : undefined;
      if (options.maskPrefix && p > 0) {
        const textPart = mask ? tf.slice(mask, [0, p], [b, t]) : tf.ones([b, t]);
        mask = tf.concat([tf.zeros([b, p]), textPart], 1);
      }
      if (cache && (cache.mask || (mask && past > 0))) {
        mask = tf.concat([cache.mask ?? tf.ones([b, past]), mask ?? tf.ones([b, len])], 1);
      }
      if (cache && mask) {
        cache.mask?.dispose();
        cache.mask = tf.keep(mask) as tf.Tensor2D;
      }
      const bias = buildAttentionBias({ queryLength: len, keyLength: past + len, causal: true, keyMask: mask, pastLength: past });
      const ctx = options.visualMask ? { visualMask: tf.cast(options.visualMask, 'float32') } : undefined;
      let i = 0;
      for (const block of this.blocks) x = block.forward(x, { attentionBias: bias, cache: cache?.blocks[i++], ctx });
      if (cache) cache.length = past + len;
      if (start > 0) x = tf.slice(x, [0, start, 0], [b, len - start, width]);
      const hidden = this.ln_f.forward(x) as tf.Tensor3D;
      // The output rows' visual mask, so an adapter on lm_head sees rows consistent with its input.
      const headCtx = ctx && start > 0 ? { visualMask: tf.slice(ctx.visualMask, [0, start], [b, len - start]) } : ctx;
      const logits = this.lm_head.forward(hidden, headCtx) as tf.Tensor3D;
      return { logits, hidden };
    });
  }

  /**
   * Generates continuations of `prompts` (token ids, e.g. `[[bos]]`); see {@link GenerateOptions}.
   * Returns the new tokens of each row (a stop token, when hit, is included as the last one).
   */
  generate(prompts: number[][], options: GenerateOptions): Promise<GenerateResult> {
    return generateTokens(this, prompts, options);
  }
}
