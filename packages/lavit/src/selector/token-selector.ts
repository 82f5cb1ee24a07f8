import { LayerNorm, Linear, Module, deriveSeed, gelu, tf } from '@vlalign/core';
import { hardGumbelKeep, straightThrough } from './gumbel-straight-through.js';

/** Options of {@link TokenSelector}. */
export interface TokenSelectorOptions {
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
  /** Keep a token at inference when its keep probability is at least this. Default 0.5. */
  threshold?: number;
  /** Gumbel-softmax temperature in training. Default 1. */
  tau?: number;
  /** At inference, keep at least this many tokens per image (the most likely ones). Default 1 (LaVIT: n >= 1). */
  minTokens?: number;
}

/** How {@link TokenSelector.forward} decides in training mode: a Gumbel sample, or the inference threshold. */
export type SelectorMask = 'gumbel' | 'threshold';

/** Output of {@link TokenSelector.forward}. */
export interface SelectorOutput {
  /** `[B, N, 2]` log-probabilities (index 0 keep, 1 drop). */
  logProbs: tf.Tensor3D;
  /**
   * `[B, N]` keep mask: in training a hard Gumbel sample with straight-through gradients, at
   * inference the thresholded keep probability (a constant).
   */
  keep: tf.Tensor2D;
  /** The 0/1 decisions, row-major `B * N`. */
  keepValues: Float32Array;
}

/**
 * LaVIT's token selector (DynamicViT's local/global predictor): from patch features `X` `[B, N, D]`,
 * `z = GELU(Linear(LN(X)))` is split in half into a local part and a global part; the global part is
 * averaged over the patches and appended to every local part, and an MLP
 * (`D -> D/2 -> D/4 -> 2`, GELU) gives keep/drop log-probabilities per patch.
 *
 * Training (`module.training`): a hard 2-way Gumbel-softmax sample (seeded per call) with
 * straight-through gradients. Inference: deterministic, keep when `p_keep >= threshold`, and at
 * least the `minTokens` most likely tokens. (The
 * released LaVIT samples noise at inference too; argmax/threshold makes evaluation repeatable.)
 *
 * Children: `norm`, `in_proj`, `fc1`, `fc2`, `fc3`.
 */
export class TokenSelector extends Module {
  readonly dim: number;
  /** Frozen scalar holding the inference threshold (checkpointed, so a calibrated value survives a reload). */
  readonly keep_threshold: tf.Variable;
  tau: number;
  minTokens: number;

  constructor(dim: number, options: TokenSelectorOptions = {}) {
    super();
    if (!Number.isInteger(dim) || dim < 4 || dim % 4 !== 0) throw new Error(`TokenSelector: dim must be a multiple of 4 (>= 4), got ${dim}`);
    const seed = options.seed ?? 0;
    this.dim = dim;
    this.keep_threshold = this.registerParameter('keep_threshold', tf.scalar(options.threshold ?? 0.5), { frozen: true, noDecay: true });
    this.tau = options.tau ?? 1;
    this.minTokens = options.minTokens ?? 1;
    this.registerModule('norm', new LayerNorm(dim));
    this.registerModule('in_proj', new Linear(dim, dim, { seed: deriveSeed(seed, 'in_proj') }));
    this.registerModule('fc1', new Linear(dim, dim / 2, { seed: deriveSeed(seed, 'fc1') }));
    this.registerModule('fc2', new Linear(dim / 2, dim / 4, { seed: deriveSeed(seed, 'fc2') }));
    this.registerModule('fc3', new Linear(dim / 4, 2, { seed: deriveSeed(seed, 'fc3') }));
  }

  /** Inference keep threshold on `p_keep` (see `calibrateSelectorThreshold`). */
  get threshold(): number {
    return this.keep_threshold.dataSync()[0];
  }
  set threshold(value: number) {
    if (!(value > 0 && value < 1)) throw new Error(`TokenSelector: threshold must be in (0, 1), got ${value}`);
    tf.tidy(() => this.keep_threshold.assign(tf.scalar(value)));
    this.keep_threshold.trainable = false;
  }

  /** `[B, N, D]` -> `[B, N, 2]` keep/drop log-probabilities. */
  scores(x: tf.Tensor3D): tf.Tensor3D {
    if (x.rank !== 3 || x.shape[2] !== this.dim) throw new Error(`TokenSelector: expected features [B, N, ${this.dim}], got [${x.shape}]`);
    const [b, n, d] = x.shape;
    const lin = (name: string, v: tf.Tensor) => (this.getModule(name) as Linear).forward(v);
    return tf.tidy(() => {
      const z = gelu(lin('in_proj', (this.getModule('norm') as LayerNorm).forward(x)));
      const local = tf.slice(z, [0, 0, 0], [b, n, d / 2]);
      const global = tf.mean(tf.slice(z, [0, 0, d / 2], [b, n, d / 2]), 1, true);
      const h = tf.concat([local, tf.tile(global, [1, n, 1])], 2);
      const logits = lin('fc3', gelu(lin('fc2', gelu(lin('fc1', h)))));
      return tf.logSoftmax(logits) as tf.Tensor3D;
    });
  }

  /**
   * Scores and decides. `seed` seeds the Gumbel noise in training mode (pass a different one per
   * step); it is ignored at inference. `mask: 'threshold'` makes training use the inference
   * decision (`p_keep >= threshold`, no `minTokens` floor) with straight-through gradients of `p_keep`.
   */
  forward(x: tf.Tensor3D, seed = 0, mask: SelectorMask = 'gumbel'): SelectorOutput {
    const logProbs = this.scores(x);
    const [b, n] = logProbs.shape;
    if (this.training && mask === 'threshold') {
      // The inference decision (p_keep >= threshold) with straight-through gradients of p_keep.
      const p = tf.tidy(() => tf.exp(tf.reshape(tf.slice(logProbs, [0, 0, 0], [b, n, 1]), [b, n])) as tf.Tensor2D);
      const threshold = this.threshold;
      const keepValues = Float32Array.from(p.dataSync() as Float32Array, (v) => (v >= threshold ? 1 : 0));
      const keep = tf.tidy(() => straightThrough(p, tf.tensor2d(keepValues, [b, n])));
      p.dispose();
      return { logProbs, keep, keepValues };
    }
    if (this.training) {
      // The relaxed sample stays alive (it is on the gradient path); callers run this inside a tidy.
      const g = hardGumbelKeep(logProbs, seed, this.tau);
      return { logProbs, keep: g.keep, keepValues: g.hardValues };
    }
    const p = tf.tidy(() => tf.exp(tf.reshape(tf.slice(logProbs, [0, 0, 0], [b, n, 1]), [b, n])));
    const probs = p.dataSync() as Float32Array;
    p.dispose();
    const threshold = this.threshold;
    const keepValues = Float32Array.from(probs, (v) => (v >= threshold ? 1 : 0));
    for (let r = 0; r < b; r++) {
      const row = keepValues.subarray(r * n, (r + 1) * n);
      const need = Math.min(this.minTokens, n) - row.reduce((a, v) => a + v, 0);
      if (need <= 0) continue;
      const order = Array.from({ length: n }, (_, i) => i).filter((i) => !row[i]).sort((i, j) => probs[r * n + j] - probs[r * n + i] || i - j);
      for (const i of order.slice(0, need)) row[i] = 1;
    }
    return { logProbs, keep: tf.tensor2d(keepValues, [b, n]), keepValues };
  }
}
