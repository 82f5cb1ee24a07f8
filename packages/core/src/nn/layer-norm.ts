import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { useFusedOps } from '../ops/fused-switch.js';
import { fusedLayerNorm } from '../ops/layer-norm.js';

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance before the square root. Default 1e-5 (PyTorch's default). */
  eps?: number;
}

/**
 * Layer normalisation over the last axis with a learned scale `weight` (ones) and shift `bias`
 * (zeros), both excluded from weight decay. Uses the biased variance, like `torch.nn.LayerNorm`.
 * With fused ops on (the default, see `setFusedOps`) the forward and backward are one kernel each.
 */
export class LayerNorm extends Module {
  readonly dim: number;
  readonly eps: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(dim: number, options: LayerNormOptions = {}) {
    super();
    if (!Number.isInteger(dim) || dim <= 0) throw new Error(`LayerNorm: dim must be a positive integer, got ${dim}`);
    this.dim = dim;
    this.eps = options.eps ?? 1e-5;
    this.weight = this.registerParameter('weight', tf.ones([dim]), { noDecay: true });
    this.bias = this.registerParameter('bias', tf.zeros([dim]), { noDecay: true });
  }

  /** Normalises `x` of shape `[..., dim]`. */
  forward(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.dim) throw new Error(`LayerNorm.forward: expected input [..., ${this.dim}], got [${x.shape}]`);
    if (x.dtype === 'float32' && useFusedOps()) return fusedLayerNorm(x, this.weight, this.bias, this.eps);
    return tf.tidy(() => {
      const axis = x.rank - 1;
      const centred = tf.sub(x, tf.mean(x, axis, true));
      const variance = tf.mean(tf.square(centred), axis, true);
      const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(normed, this.weight), this.bias);
    });
  }
}
