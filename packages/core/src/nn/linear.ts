import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { truncatedNormalInit, DEFAULT_INIT_STD } from './init.js';
import { useFusedOps } from '../ops/fused-switch.js';
import { fusedLinear } from '../ops/linear.js';

/**
 * Extra information a linear layer may use to treat rows differently. Plain {@link Linear} ignores
 * it; adapters such as Partial LoRA route visual-token rows through their low-rank update only.
 * Attention, MLP and transformer blocks pass it unchanged to every linear layer they call.
 */
export interface LinearContext {
  /**
   * A 0/1 float tensor with the input's leading shape (every dimension but the last, e.g. `[B, T]`):
   * 1 on rows that hold visual tokens.
   */
  visualMask?: tf.Tensor;
}

/**
 * Anything that can stand where a {@link Linear} stands: adapters injected with
 * `Module.replaceModule` implement this.
 */
export interface LinearLike extends Module {
  forward(x: tf.Tensor, ctx?: LinearContext): tf.Tensor;
}

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Add a learned bias (registered as no-decay). Default true. */
  bias?: boolean;
  /** Seed of the weight initialisation; the same seed gives the same weights. Default 0. */
  seed?: number;
  /** Standard deviation of the truncated-normal weight init. Default 0.02. */
  initStd?: number;
}

/**
 * A fully connected layer `y = x W + b` with `W` stored as `[inFeatures, outFeatures]`.
 *
 * Parameters: `weight` `[in, out]` and, unless `bias: false`, `bias` `[out]` (no weight decay).
 * Inputs of any rank >= 2 (`[..., in] -> [..., out]`) are reshaped to 2-D for the product, because
 * tfjs's rank-3 x rank-2 matMul has a wrong gradient and a 2-D product is the fastest path anyway.
 * With fused ops on (the default, see `setFusedOps`) the forward and backward are one kernel each,
 * with no reshape calls.
 */
export class Linear extends Module implements LinearLike {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    if (!Number.isInteger(inFeatures) || inFeatures <= 0 || !Number.isInteger(outFeatures) || outFeatures <= 0) {
      throw new Error(`Linear: inFeatures and outFeatures must be positive integers, got ${inFeatures} and ${outFeatures}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = this.registerParameter('weight', truncatedNormalInit([inFeatures, outFeatures], options.seed ?? 0, options.initStd ?? DEFAULT_INIT_STD));
    if (options.bias ?? true) this.bias = this.registerParameter('bias', tf.zeros([outFeatures]), { noDecay: true });
  }

  /**
   * Applies the layer to `x` of shape `[..., in]`.
   * @param ctx - ignored here; accepted so adapters can replace this layer transparently.
   */
  forward(x: tf.Tensor, _ctx?: LinearContext): tf.Tensor {
    const last = x.shape[x.rank - 1];
    if (x.rank < 2 || last !== this.inFeatures) {
      throw new Error(`Linear.forward: expected input [..., ${this.inFeatures}], got [${x.shape}]`);
    }
    if (x.dtype === 'float32' && useFusedOps()) return fusedLinear(x, this.weight, this.bias);
    return tf.tidy(() => {
      const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, this.inFeatures]) as tf.Tensor2D;
      // One fused kernel for product + bias; its gradient is a customGrad of plain matMuls.
      const y = tf.fused.matMul({ a: x2, b: this.weight as tf.Tensor2D, bias: this.bias });
      return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
    });
  }
}
