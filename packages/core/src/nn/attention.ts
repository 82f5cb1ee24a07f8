import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { Linear, type LinearContext, type LinearLike } from './linear.js';
import { Dropout } from './dropout.js';
import { deriveSeed } from './seed.js';
import { buildAttentionBias } from './attention-bias.js';
import { useFusedOps } from '../ops/fused-switch.js';
import { fusedAttention, fusedMultiHeadAttention, multiHeadAttentionKernelReplaced } from '../ops/attention.js';

/**
 * One attention layer's slot in a KV cache. The layer fills and updates it during incremental
 * decoding and owns the tensors in it (kept outside any tidy); whoever created the cache disposes it
 * with {@link disposeAttentionCache}. Keys are stored transposed, ready for the score product.
 */
export interface AttentionCache {
  /** Keys `[B, heads, headDim, S]`. */
  k?: tf.Tensor4D;
  /** Values `[B, heads, S, headDim]`. */
  v?: tf.Tensor4D;
}

/** Disposes the tensors held by an attention cache slot and empties it. */
export function disposeAttentionCache(cache: AttentionCache): void {
  cache.k?.dispose();
  cache.v?.dispose();
  cache.k = undefined;
  cache.v = undefined;
}

/** Options of {@link MultiHeadAttention}. */
export interface MultiHeadAttentionOptions {
  /** Width of the keys/values source for cross-attention (default: `dim`). */
  kvDim?: number;
  /** Dropout on the attention probabilities, in training mode. Default 0. */
  dropout?: number;
  /** Base seed; children get seeds derived from it. Default 0. */
  seed?: number;
}

/** Per-call inputs of {@link MultiHeadAttention.forward}. */
export interface AttentionForwardOptions {
  /** Keys/values source `[B, S, kvDim]` (cross-attention). Default: `x` itself. */
  context?: tf.Tensor;
  /**
   * Additive bias broadcastable to `[B, heads, Tq, Tk]` (see `buildAttentionBias`). When given,
   * `causal` and `keyMask` are ignored: models build the bias once and share it across blocks.
   */
  attentionBias?: tf.Tensor;
  /** Hide later keys from each query (self-attention; accounts for cached keys). */
  causal?: boolean;
  /** `[B, Tk]` 0/1 float: 0 marks keys (all of them, cached included) no query may attend to. */
  keyMask?: tf.Tensor;
  /**
   * KV cache slot. Self-attention appends this call's keys/values to it; cross-attention projects
   * `context` once and reuses it. Not for use under a gradient tape.
   */
  cache?: AttentionCache;
  /** Passed to `q_proj` and `out_proj` (and to `k_proj`/`v_proj` in self-attention). */
  ctx?: LinearContext;
}

/**
 * Multi-head scaled dot-product attention with separate `q_proj`, `k_proj`, `v_proj` and
 * `out_proj` linear children (so adapters can target each one).
 *
 * Heads are split with 4-D transposes only (5-D transposes are slow on wasm), and keys are
 * transposed once to `[B, H, dh, S]` so the score product needs no transpose flag.
 */
export class MultiHeadAttention extends Module {
  readonly dim: number;
  readonly heads: number;
  readonly headDim: number;
  readonly kvDim: number;
  private readonly drop?: Dropout;

  constructor(dim: number, heads: number, options: MultiHeadAttentionOptions = {}) {
    super();
    if (!Number.isInteger(heads) || heads <= 0 || dim % heads !== 0) {
      throw new Error(`MultiHeadAttention: dim (${dim}) must be a positive multiple of heads (${heads})`);
    }
    const seed = options.seed ?? 0;
    this.dim = dim;
    this.heads = heads;
    this.headDim = dim / heads;
    this.kvDim = options.kvDim ?? dim;
    this.registerModule('q_proj', new Linear(dim, dim, { seed: deriveSeed(seed, 'q_proj') }));
    this.registerModule('k_proj', new Linear(this.kvDim, dim, { seed: deriveSeed(seed, 'k_proj') }));
    this.registerModule('v_proj', new Linear(this.kvDim, dim, { seed: deriveSeed(seed, 'v_proj') }));
    this.registerModule('out_proj', new Linear(dim, dim, { seed: deriveSeed(seed, 'out_proj') }));
    if (options.dropout) this.drop = this.registerModule('attn_drop', new Dropout(options.dropout, { seed: deriveSeed(seed, 'attn_drop') }));
  }

  get q_proj(): LinearLike {
    return this.getModule('q_proj') as LinearLike;
  }
  get k_proj(): LinearLike {
    return this.getModule('k_proj') as LinearLike;
  }
  get v_proj(): LinearLike {
    return this.getModule('v_proj') as LinearLike;
  }
  get out_proj(): LinearLike {
    return this.getModule('out_proj') as LinearLike;
  }

  /** Attends from `x` `[B, T, dim]` to itself (or to `options.context`); returns `[B, T, dim]`. */
  forward(x: tf.Tensor, options: AttentionForwardOptions = {}): tf.Tensor {
    if (x.rank !== 3 || x.shape[2] !== this.dim) throw new Error(`MultiHeadAttention.forward: expected x [B, T, ${this.dim}], got [${x.shape}]`);
    const { context, cache, ctx } = options;
    const cross = context !== undefined;
    if (cross && (context.rank !== 3 || context.shape[2] !== this.kvDim || context.shape[0] !== x.shape[0])) {
      throw new Error(`MultiHeadAttention.forward: expected context [${x.shape[0]}, S, ${this.kvDim}], got [${context.shape}]`);
    }
    const [b, t] = x.shape as [number, number, number];
    const h = this.heads;
    const dh = this.headDim;
    const dropping = this.drop !== undefined && this.drop.training && this.drop.rate > 0;
    if (!cache && !dropping && x.dtype === 'float32' && useFusedOps() && multiHeadAttentionKernelReplaced()) {
      // One (native) kernel from the projections to the merged heads (no head-split reshapes/transposes to record).
      return tf.tidy(() => {
        const src = cross ? context : x;
        const srcCtx = cross ? undefined : ctx; // the visual mask describes x's rows, not the context's
        const tk = src.shape[1] as number;
        const bias = options.attentionBias ?? (options.causal || options.keyMask ? buildAttentionBias({ queryLength: t, keyLength: tk, causal: !cross && options.causal, keyMask: options.keyMask, pastLength: 0 }) : undefined);
        const attended = fusedMultiHeadAttention(this.q_proj.forward(x, ctx), this.k_proj.forward(src, srcCtx), this.v_proj.forward(src, srcCtx), h, 1 / Math.sqrt(dh), bias);
        return this.out_proj.forward(attended, ctx);
      });
    }
    return tf.tidy(() => {
      const q = tf.transpose(tf.reshape(tf.mul(this.q_proj.forward(x, ctx), 1 / Math.sqrt(dh)), [b, t, h, dh]), [0, 2, 1, 3]);
      let k: tf.Tensor4D;
      let v: tf.Tensor4D;
      let past = 0;
      if (cross && cache?.k && cache.v) {
        k = cache.k;
        v = cache.v;
      } else {
        const src = cross ? context : x;
        const s = src.shape[1] as number;
        const srcCtx = cross ? undefined : ctx; // the visual mask describes x's rows, not the context's
        k = tf.transpose(tf.reshape(this.k_proj.forward(src, srcCtx), [b, s, h, dh]), [0, 2, 3, 1]) as tf.Tensor4D;
        v = tf.transpose(tf.reshape(this.v_proj.forward(src, srcCtx), [b, s, h, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
        if (cache) {
          if (!cross && cache.k && cache.v) {
            past = cache.k.shape[3];
            k = tf.concat([cache.k, k], 3) as tf.Tensor4D;
            v = tf.concat([cache.v, v], 2) as tf.Tensor4D;
          }
          disposeAttentionCache(cache);
          cache.k = tf.keep(k);
          cache.v = tf.keep(v);
        }
      }
      const tk = k.shape[3];
      const bias = options.attentionBias ?? (options.causal || options.keyMask ? buildAttentionBias({ queryLength: t, keyLength: tk, causal: !cross && options.causal, keyMask: options.keyMask, pastLength: past }) : undefined);
      let attended: tf.Tensor;
      if (!(this.drop && this.drop.training && this.drop.rate > 0) && useFusedOps()) attended = fusedAttention(q as tf.Tensor4D, k, v, bias);
      else {
        let scores = tf.matMul(q, k); // [B, H, T, Tk]
        if (bias) scores = tf.add(scores, bias);
        let probs = tf.softmax(scores);
        if (this.drop) probs = this.drop.forward(probs);
        attended = tf.matMul(probs, v);
      }
      const out = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [b, t, this.dim]);
      return this.out_proj.forward(out, ctx);
    });
  }
}
