import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { Linear, type LinearContext, type LinearLike } from './linear.js';
import { gelu } from './activations.js';
import { Dropout } from './dropout.js';
import { deriveSeed } from './seed.js';

/** Options of {@link MLP}. */
export interface MLPOptions {
  /** Output width (default: the input width `dim`), e.g. for a vision-to-LM projector. */
  outDim?: number;
  /** Dropout after the second linear layer, in training mode. Default 0. */
  dropout?: number;
  /** Base seed; children get seeds derived from it. Default 0. */
  seed?: number;
}

/**
 * The transformer feed-forward block `fc2(gelu(fc1(x)))` with children `fc1` (`dim -> hidden`) and
 * `fc2` (`hidden -> outDim`). GELU is the tanh form.
 */
export class MLP extends Module {
  readonly dim: number;
  readonly hidden: number;
  readonly outDim: number;
  private readonly drop?: Dropout;

  constructor(dim: number, hidden: number, options: MLPOptions = {}) {
    super();
    const seed = options.seed ?? 0;
    this.dim = dim;
    this.hidden = hidden;
    this.outDim = options.outDim ?? dim;
    this.registerModule('fc1', new Linear(dim, hidden, { seed: deriveSeed(seed, 'fc1') }));
    this.registerModule('fc2', new Linear(hidden, this.outDim, { seed: deriveSeed(seed, 'fc2') }));
    if (options.dropout) this.drop = this.registerModule('drop', new Dropout(options.dropout, { seed: deriveSeed(seed, 'drop') }));
  }

  /** The first linear layer (looked up live, so an injected adapter is used). */
  get fc1(): LinearLike {
    return this.getModule('fc1') as LinearLike;
  }

  /** The second linear layer. */
  get fc2(): LinearLike {
    return this.getModule('fc2') as LinearLike;
  }

  /** `[..., dim] -> [..., outDim]`; `ctx` is passed to both linear layers. */
  forward(x: tf.Tensor, ctx?: LinearContext): tf.Tensor {
    return tf.tidy(() => {
      const y = this.fc2.forward(gelu(this.fc1.forward(x, ctx)), ctx);
      return this.drop ? this.drop.forward(y) : y;
    });
  }
}
