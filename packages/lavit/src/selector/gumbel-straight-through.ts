import { tf, tfSeed } from '@vlalign/core';

const straightThroughOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [soft, hard] = args as tf.Tensor[];
  return { value: tf.clone(hard), gradFunc: (dy: tf.Tensor) => [tf.clone(dy), tf.zeros(hard.shape)] };
});

/**
 * `hard + soft - sg(soft)`: the value of `hard` with the gradient of `soft` (the straight-through
 * estimator). `hard` must be a constant (built outside the gradient path).
 */
export function straightThrough<T extends tf.Tensor>(soft: T, hard: tf.Tensor): T {
  return straightThroughOp(soft, hard) as T;
}

/** Result of {@link hardGumbelKeep}. */
export interface GumbelKeep {
  /** `[B, N]` 0/1 values (forward) with the gradient of `soft` (straight-through). */
  keep: tf.Tensor2D;
  /** `[B, N]` the relaxed keep probability `softmax((log pi + g) / tau)[keep]`. */
  soft: tf.Tensor2D;
  /** The 0/1 decisions, row-major `B * N` (read back once). */
  hardValues: Float32Array;
}

/**
 * Two-way hard Gumbel-softmax (`F.gumbel_softmax(logp, tau, hard=True)[..., 0]`): adds seeded
 * Gumbel noise `-log(-log u)` to the keep/drop log-probabilities, keeps a token when its noisy keep
 * score wins, and passes gradients through the relaxed softmax.
 *
 * @param logProbs `[B, N, 2]` log-probabilities; index 0 = keep, 1 = drop
 * @param seed seed of the noise (vary it per step)
 */
export function hardGumbelKeep(logProbs: tf.Tensor3D, seed: number, tau = 1): GumbelKeep {
  const [b, n] = logProbs.shape;
  const noise = tf.tidy(() => {
    const u = tf.randomUniform([b, n, 2], 1e-10, 1, 'float32', tfSeed(seed));
    return tf.neg(tf.log(tf.neg(tf.log(u))));
  });
  const soft = tf.tidy(() => {
    const y = tf.softmax(tf.div(tf.add(logProbs, noise), tau));
    return tf.reshape(tf.slice(y, [0, 0, 0], [b, n, 1]), [b, n]) as tf.Tensor2D;
  });
  noise.dispose();
  const values = soft.dataSync() as Float32Array;
  // Ties (0.5) go to "keep", as argmax picks the first index.
  const hardValues = Float32Array.from(values, (p) => (p >= 0.5 ? 1 : 0));
  const keep = tf.tidy(() => straightThrough(soft, tf.tensor2d(hardValues, [b, n])));
  return { keep, soft, hardValues };
}
