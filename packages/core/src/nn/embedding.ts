import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { truncatedNormalInit, DEFAULT_INIT_STD } from './init.js';

/** Options of {@link Embedding}. */
export interface EmbeddingOptions {
  /** Seed of the initialisation. Default 0. */
  seed?: number;
  /** Standard deviation of the truncated-normal init. Default 0.02. */
  initStd?: number;
}

/**
 * A lookup table `weight` `[numEmbeddings, dim]` (no weight decay). `forward(ids)` gathers rows;
 * gather's gradient (UnsortedSegmentSum) is supplied on wasm and sped up on cpu by `initBackend`.
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly dim: number;
  readonly weight: tf.Variable;

  constructor(numEmbeddings: number, dim: number, options: EmbeddingOptions = {}) {
    super();
    if (!Number.isInteger(numEmbeddings) || numEmbeddings <= 0 || !Number.isInteger(dim) || dim <= 0) {
      throw new Error(`Embedding: numEmbeddings and dim must be positive integers, got ${numEmbeddings} and ${dim}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.dim = dim;
    this.weight = this.registerParameter('weight', truncatedNormalInit([numEmbeddings, dim], options.seed ?? 0, options.initStd ?? DEFAULT_INIT_STD), { noDecay: true });
  }

  /** Rows of the table for integer `ids` of any shape: `[...ids.shape, dim]`. */
  forward(ids: tf.Tensor): tf.Tensor {
    if (ids.dtype !== 'int32') throw new Error(`Embedding.forward: ids must be int32, got ${ids.dtype}`);
    return tf.tidy(() => {
      const flat = ids.rank === 1 ? ids : tf.reshape(ids, [-1]);
      const rows = tf.gather(this.weight, flat);
      return ids.rank === 1 ? rows : tf.reshape(rows, [...ids.shape, this.dim]);
    });
  }
}
