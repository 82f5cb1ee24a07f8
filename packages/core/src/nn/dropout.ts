import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { deriveSeed } from './seed.js';

/** Options of {@link Dropout}. */
export interface DropoutOptions {
  /** Seed of the mask stream; each call draws a fresh mask from it. Default 0. */
  seed?: number;
}

/**
 * Inverted dropout, active only in training mode. Seeded: a module built with the same seed draws
 * the same sequence of masks, so runs are reproducible.
 */
export class Dropout extends Module {
  readonly rate: number;
  private readonly seed: number;
  private calls = 0;

  constructor(rate: number, options: DropoutOptions = {}) {
    super();
    if (!(rate >= 0 && rate < 1)) throw new Error(`Dropout: rate must be in [0, 1), got ${rate}`);
    this.rate = rate;
    this.seed = options.seed ?? 0;
  }

  /** Zeroes each element with probability `rate` and scales the rest by `1 / (1 - rate)`. */
  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.rate === 0) return x;
    return tf.dropout(x, this.rate, undefined, deriveSeed(this.seed, this.calls++));
  }
}
