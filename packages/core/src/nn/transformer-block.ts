import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import type { LinearContext } from './linear.js';
import { LayerNorm } from './layer-norm.js';
import { MultiHeadAttention, type AttentionCache } from './attention.js';
import { MLP } from './mlp.js';
import { Dropout } from './dropout.js';
import { deriveSeed } from './seed.js';
import { useFusedOps } from '../ops/fused-switch.js';
import { addSameShape } from '../ops/residual-add.js';

/** Options of {@link TransformerBlock}. */
export interface TransformerBlockOptions {
  /** Add a cross-attention sub-layer (`ln_cross`, `cross_attn`) between self-attention and the MLP. */
  crossAttention?: boolean;
  /** Width of the cross-attention context (default: `dim`). */
  contextDim?: number;
  /** Dropout on attention probabilities and on each residual branch, in training mode. Default 0. */
  dropout?: number;
  /** LayerNorm epsilon. Default 1e-5. */
  eps?: number;
  /** Base seed; children get seeds derived from it. Default 0. */
  seed?: number;
}

/** The KV cache slots of one block. */
export interface BlockCache {
  self: AttentionCache;
  cross?: AttentionCache;
}

/** Per-call inputs of {@link TransformerBlock.forward}. */
export interface BlockForwardOptions {
  /** Additive self-attention bias (see `buildAttentionBias`); overrides `causal`/`keyMask`. */
  attentionBias?: tf.Tensor;
  /** Causal self-attention. */
  causal?: boolean;
  /** `[B, Tk]` 0/1 key mask for self-attention. */
  keyMask?: tf.Tensor;
  /** Cross-attention context `[B, S, contextDim]` (required when the block has cross-attention). */
  context?: tf.Tensor;
  /** `[B, S]` 0/1 mask of the context's valid positions. */
  contextMask?: tf.Tensor;
  /** KV cache slots for incremental decoding. */
  cache?: BlockCache;
  /** Passed to every linear layer that reads `x`'s rows. */
  ctx?: LinearContext;
}

/**
 * A pre-LayerNorm transformer block:
 * `x += attn(ln1(x))`, then (optionally) `x += cross_attn(ln_cross(x), context)`, then `x += mlp(ln2(x))`.
 * Children: `ln1`, `attn`, `ln2`, `mlp` (+ `ln_cross`, `cross_attn`).
 */
export class TransformerBlock extends Module {
  readonly dim: number;
  readonly hasCrossAttention: boolean;
  private readonly drop?: Dropout;

  constructor(dim: number, heads: number, mlpHidden: number, options: TransformerBlockOptions = {}) {
    super();
    const seed = options.seed ?? 0;
    const eps = options.eps ?? 1e-5;
    this.dim = dim;
    this.hasCrossAttention = options.crossAttention ?? false;
    this.registerModule('ln1', new LayerNorm(dim, { eps }));
    this.registerModule('attn', new MultiHeadAttention(dim, heads, { dropout: options.dropout, seed: deriveSeed(seed, 'attn') }));
    if (this.hasCrossAttention) {
      this.registerModule('ln_cross', new LayerNorm(dim, { eps }));
      this.registerModule('cross_attn', new MultiHeadAttention(dim, heads, { kvDim: options.contextDim ?? dim, dropout: options.dropout, seed: deriveSeed(seed, 'cross_attn') }));
    }
    this.registerModule('ln2', new LayerNorm(dim, { eps }));
    this.registerModule('mlp', new MLP(dim, mlpHidden, { seed: deriveSeed(seed, 'mlp') }));
    if (options.dropout) this.drop = this.registerModule('resid_drop', new Dropout(options.dropout, { seed: deriveSeed(seed, 'resid_drop') }));
  }

  get ln1(): LayerNorm {
    return this.getModule('ln1') as LayerNorm;
  }
  get attn(): MultiHeadAttention {
    return this.getModule('attn') as MultiHeadAttention;
  }
  get ln_cross(): LayerNorm | undefined {
    return this.hasCrossAttention ? (this.getModule('ln_cross') as LayerNorm) : undefined;
  }
  get cross_attn(): MultiHeadAttention | undefined {
    return this.hasCrossAttention ? (this.getModule('cross_attn') as MultiHeadAttention) : undefined;
  }
  get ln2(): LayerNorm {
    return this.getModule('ln2') as LayerNorm;
  }
  get mlp(): MLP {
    return this.getModule('mlp') as MLP;
  }

  /** `[B, T, dim] -> [B, T, dim]`. */
  forward(x: tf.Tensor, options: BlockForwardOptions = {}): tf.Tensor {
    const { ctx } = options;
    if (this.hasCrossAttention && !options.context) throw new Error('TransformerBlock.forward: this block has cross-attention; pass options.context [B, S, contextDim]');
    return tf.tidy(() => {
      const residual = (y: tf.Tensor) => (this.drop ? this.drop.forward(y) : y);
      // Residual adds never broadcast: with fused ops, an add whose gradient saves and reshapes nothing.
      const add = useFusedOps() ? addSameShape : tf.add;
      let h = add(
        x,
        residual(
          this.attn.forward(this.ln1.forward(x), {
            attentionBias: options.attentionBias,
            causal: options.causal,
            keyMask: options.keyMask,
            cache: options.cache?.self,
            ctx,
          }),
        ),
      );
      if (this.hasCrossAttention) {
        h = add(h, residual(this.cross_attn!.forward(this.ln_cross!.forward(h), { context: options.context, keyMask: options.contextMask, cache: options.cache?.cross, ctx })));
      }
      return add(h, residual(this.mlp.forward(this.ln2.forward(h), ctx)));
    });
  }
}
