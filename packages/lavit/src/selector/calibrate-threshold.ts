import { tf } from '@vlalign/core';
import type { TokenSelector } from './token-selector.js';

/**
 * The inference keep threshold at which a share `ratio` of the given keep probabilities is kept:
 * the `round(ratio · n)`-th largest probability (at least the largest one). Because the threshold is
 * global, images whose tokens score higher keep more of them — token counts follow the content.
 *
 * @param probs keep probabilities of held-out tokens (any order)
 * @param ratio target keep ratio ρ in (0, 1]
 */
export function keepThresholdForRatio(probs: ArrayLike<number>, ratio: number): number {
  if (!(ratio > 0 && ratio <= 1)) throw new Error(`keepThresholdForRatio: ratio must be in (0, 1], got ${ratio}`);
  if (probs.length === 0) throw new Error('keepThresholdForRatio: no probabilities to calibrate on');
  const sorted = Float64Array.from(probs).sort().reverse();
  const k = Math.min(sorted.length, Math.max(1, Math.round(ratio * sorted.length)));
  // Keep the threshold inside (0, 1), as the selector's option requires.
  return Math.min(1 - 1e-7, Math.max(1e-12, sorted[k - 1]));
}

/** Row-major `B * N` inference keep probabilities of the selector for features `[B, N, D]`. */
export function keepProbabilities(selector: TokenSelector, features: tf.Tensor3D): Float32Array {
  const [b, n] = features.shape;
  const p = tf.tidy(() => tf.exp(tf.reshape(tf.slice(selector.scores(features), [0, 0, 0], [b, n, 1]), [b * n])));
  const out = Float32Array.from(p.dataSync() as Float32Array);
  p.dispose();
  return out;
}

/** Concatenates probability chunks and sets `selector.threshold` to {@link keepThresholdForRatio}; returns it. */
export function calibrateSelectorThreshold(selector: TokenSelector, probs: readonly Float32Array[], ratio: number): number {
  const total = probs.reduce((n, p) => n + p.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const p of probs) {
    all.set(p, at);
    at += p.length;
  }
  const t = keepThresholdForRatio(all, ratio);
  selector.threshold = t;
  return t;
}
