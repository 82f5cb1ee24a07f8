import * as tf from '@tensorflow/tfjs-core';

/** The L2 norm of all given tensors taken together, as a scalar tensor (no readback). Null entries are skipped. */
export function globalNorm(tensors: Iterable<tf.Tensor | null | undefined>): tf.Scalar {
  const present = [...tensors].filter((g): g is tf.Tensor => !!g);
  return tf.tidy(() => (present.length === 0 ? tf.scalar(0) : tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g))))))) as tf.Scalar;
}

/**
 * Scales gradients so their global L2 norm is at most `maxNorm`, like
 * `torch.nn.utils.clip_grad_norm_`: `coef = min(1, maxNorm / (norm + 1e-6))`, every gradient
 * multiplied by `coef`.
 *
 * Returns NEW gradient tensors in a container of the same kind (Map or record) and the pre-clip
 * norm as a scalar tensor (no readback, so it costs no sync); the caller disposes both and the
 * inputs. Null entries are passed through. `maxNorm = Infinity` only measures the norm.
 */
export function clipByGlobalNorm<G extends Map<tf.Variable, tf.Tensor | null | undefined> | Record<string, tf.Tensor | null | undefined>>(
  grads: G,
  maxNorm: number,
): { grads: G; norm: tf.Scalar } {
  if (!(maxNorm > 0)) throw new RangeError(`clipByGlobalNorm: maxNorm must be > 0; got ${maxNorm}`);
  const entries: [unknown, tf.Tensor | null | undefined][] = grads instanceof Map ? [...grads.entries()] : Object.entries(grads);
  const norm = globalNorm(entries.map(([, g]) => g));
  const coef = Number.isFinite(maxNorm)
    ? tf.tidy(() => tf.minimum(tf.div(tf.scalar(maxNorm), tf.add(norm, 1e-6)), 1))
    : null;
  const scaled = entries.map(([k, g]) => [k, g ? (coef ? tf.mul(g, coef) : g.clone()) : g] as const);
  coef?.dispose();
  const out = grads instanceof Map ? new Map(scaled as [tf.Variable, tf.Tensor][]) : Object.fromEntries(scaled as [string, tf.Tensor][]);
  return { grads: out as G, norm };
}
