import { Module, tf, tfSeed } from '@vlalign/core';
import { normaliseRows, sphericalKMeans } from './spherical-kmeans.js';
import { vectorQuantize, type VectorQuantizeResult } from './vector-quantize.js';

/** Options of {@link EmaCodebook}. */
export interface EmaCodebookOptions {
  /** EMA decay of the code vectors and usage counts. Default 0.99 (BEiT-v2). */
  decay?: number;
  /**
   * A code not chosen in this many consecutive updates is restarted at a random vector of the
   * current batch. 0 disables restarts. Default 100.
   */
  deadCodeSteps?: number;
  /** Seed of the initial (random unit) codebook. Default 0. */
  seed?: number;
}

/** What {@link EmaCodebook.update} did. */
export interface EmaUpdateReport {
  /** Codes that received at least one vector. */
  used: number;
  /** Codes restarted because they had been idle for `deadCodeSteps` updates. */
  restarted: number;
}

/**
 * A codebook of `size` unit vectors of width `dim`, learned without gradients, as LaVIT's quantizer
 * (BEiT-v2 `NormEMAVectorQuantizer`):
 *
 * - **k-means initialisation** ({@link initFromVectors}) from the first batches of encoder outputs;
 * - **normalised EMA update** ({@link update}): for each code `k` assigned `n_k > 0` vectors with
 *   mean `m_k`, `c_k <- l2norm(decay * c_k + (1 - decay) * l2norm(m_k))`; unused codes keep their
 *   value. The usage count follows `N_k <- decay * N_k + (1 - decay) * n_k`;
 * - **dead-code restarts**: a code idle for `deadCodeSteps` updates is moved to a random vector of
 *   the batch.
 *
 * Parameters (all frozen, so the optimiser never touches them, but checkpointed): `weight` `[K, d]`,
 * `cluster_size` `[K]`, `idle_steps` `[K]`, `initialized` (scalar 0/1).
 */
export class EmaCodebook extends Module {
  readonly size: number;
  readonly dim: number;
  readonly decay: number;
  readonly deadCodeSteps: number;
  readonly weight: tf.Variable;
  readonly cluster_size: tf.Variable;
  readonly idle_steps: tf.Variable;
  readonly initializedFlag: tf.Variable;

  constructor(size: number, dim: number, options: EmaCodebookOptions = {}) {
    super();
    if (!Number.isInteger(size) || size < 1 || !Number.isInteger(dim) || dim < 1) throw new Error(`EmaCodebook: size and dim must be positive integers, got ${size} and ${dim}`);
    const decay = options.decay ?? 0.99;
    if (!(decay >= 0 && decay < 1)) throw new Error(`EmaCodebook: decay must be in [0, 1), got ${decay}`);
    this.size = size;
    this.dim = dim;
    this.decay = decay;
    this.deadCodeSteps = options.deadCodeSteps ?? 100;
    const init = tf.tidy(() => {
      const w = tf.randomNormal([size, dim], 0, 1, 'float32', tfSeed(options.seed ?? 0));
      return tf.div(w, tf.maximum(tf.norm(w, 'euclidean', 1, true), 1e-12));
    });
    this.weight = this.registerParameter('weight', init, { frozen: true, noDecay: true });
    this.cluster_size = this.registerParameter('cluster_size', tf.zeros([size]), { frozen: true, noDecay: true });
    this.idle_steps = this.registerParameter('idle_steps', tf.zeros([size]), { frozen: true, noDecay: true });
    this.initializedFlag = this.registerParameter('initialized', tf.scalar(0), { frozen: true, noDecay: true });
  }

  /** Whether the codebook was initialised from data (k-means) yet. */
  get initialized(): boolean {
    return (this.initializedFlag.dataSync()[0] ?? 0) > 0.5;
  }

  /** Nearest code (cosine) of each row of `z` `[N, dim]`. */
  quantize(z: tf.Tensor2D): VectorQuantizeResult {
    return vectorQuantize(z, this.weight as tf.Tensor2D);
  }

  /**
   * Sets the codebook to the spherical k-means centres of `n` vectors (`data`, row-major `n * dim`,
   * L2-normalised), and marks it initialised.
   */
  initFromVectors(data: Float32Array, n: number, random: () => number, iterations = 10): void {
    const centres = sphericalKMeans(data, n, this.dim, { k: this.size, iterations, random });
    tf.tidy(() => {
      this.weight.assign(tf.tensor2d(centres, [this.size, this.dim]));
      this.cluster_size.assign(tf.fill([this.size], n / this.size));
      this.idle_steps.assign(tf.zeros([this.size]));
      this.initializedFlag.assign(tf.scalar(1));
    });
  }

  /**
   * One EMA update from a batch: `zHat` `[N, dim]` (L2-normalised encoder outputs) and their
   * assigned codes `indices` `[N]`. Runs outside any gradient tape; reads the batch back once.
   *
   * @param random - seeded stream choosing the batch vectors that restart dead codes
   */
  update(zHat: tf.Tensor2D, indices: tf.Tensor1D, random: () => number): EmaUpdateReport {
    const [n, d] = zHat.shape;
    if (d !== this.dim || indices.shape[0] !== n) throw new Error(`EmaCodebook.update: expected zHat [N, ${this.dim}] and indices [N], got [${zHat.shape}] and [${indices.shape}]`);
    const K = this.size;
    const z = zHat.dataSync() as Float32Array;
    const idx = indices.dataSync();
    const w = Float32Array.from(this.weight.dataSync() as Float32Array);
    const cs = Float32Array.from(this.cluster_size.dataSync() as Float32Array);
    const idle = Float32Array.from(this.idle_steps.dataSync() as Float32Array);
    const sums = new Float32Array(K * d);
    const counts = new Float32Array(K);
    for (let i = 0; i < n; i++) {
      const k = idx[i];
      if (!(k >= 0 && k < K)) throw new Error(`EmaCodebook.update: index ${k} outside [0, ${K})`);
      counts[k]++;
      for (let j = 0; j < d; j++) sums[k * d + j] += z[i * d + j];
    }
    normaliseRows(sums, K, d);
    let used = 0;
    const a = this.decay;
    for (let k = 0; k < K; k++) {
      cs[k] = a * cs[k] + (1 - a) * counts[k];
      if (counts[k] === 0) {
        idle[k]++;
        continue;
      }
      used++;
      idle[k] = 0;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const v = a * w[k * d + j] + (1 - a) * sums[k * d + j];
        w[k * d + j] = v;
        s += v * v;
      }
      const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
      for (let j = 0; j < d; j++) w[k * d + j] *= inv;
    }
    let restarted = 0;
    if (this.deadCodeSteps > 0 && n > 0) {
      for (let k = 0; k < K; k++) {
        if (idle[k] < this.deadCodeSteps) continue;
        const row = Math.floor(random() * n);
        for (let j = 0; j < d; j++) w[k * d + j] = z[row * d + j];
        idle[k] = 0;
        cs[k] = 1;
        restarted++;
      }
      if (restarted) normaliseRows(w, K, d);
    }
    tf.tidy(() => {
      this.weight.assign(tf.tensor2d(w, [K, d]));
      this.cluster_size.assign(tf.tensor1d(cs));
      this.idle_steps.assign(tf.tensor1d(idle));
    });
    return { used, restarted };
  }
}
