import * as tf from '@tensorflow/tfjs-core';

/**
 * Scaled dot-product attention core `softmax(q kT + bias) v` as ONE differentiable op with a
 * hand-written gradient (tfjs's autodiff of the same ops records more kernels and saves more copies).
 *
 * @param q - queries `[B, H, T, dh]`, already scaled by `1/sqrt(dh)`.
 * @param kT - keys, transposed: `[B, H, dh, S]`.
 * @param v - values `[B, H, S, dh]`.
 * @param bias - optional additive bias broadcastable to `[B, H, T, S]` (masks). It is treated as a
 *   constant: no gradient flows into it (it is built from masks, never from parameters).
 * @returns `[B, H, T, dh]`.
 */
export function fusedAttention(q: tf.Tensor4D, kT: tf.Tensor4D, v: tf.Tensor4D, bias?: tf.Tensor): tf.Tensor4D {
  if (q.rank !== 4 || kT.rank !== 4 || v.rank !== 4) throw new Error(`fusedAttention: expected rank-4 q, kT, v; got [${q.shape}], [${kT.shape}], [${v.shape}]`);
  if (q.shape[3] !== kT.shape[2] || kT.shape[3] !== v.shape[2]) {
    throw new Error(`fusedAttention: shapes do not line up: q [${q.shape}] (…, T, dh), kT [${kT.shape}] (…, dh, S), v [${v.shape}] (…, S, dh)`);
  }
  // The bias is closed over rather than passed as an input, so the tape never asks for its gradient.
  const op = tf.customGrad((...args) => {
    const [qq, kk, vv] = args as tf.Tensor4D[];
    const save = args[3] as unknown as tf.GradSaveFunc;
    const scores = tf.matMul(qq, kk);
    const probs = tf.softmax(bias ? tf.add(scores, bias) : scores);
    save([qq, kk, vv, probs]);
    return {
      value: tf.matMul(probs, vv),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, p] = saved as tf.Tensor4D[];
        const dO = dy as tf.Tensor4D;
        const dv = tf.matMul(p, dO, true, false);
        const dp = tf.matMul(dO, sv, false, true);
        // softmax backward: p * (dp - sum(dp * p))
        const ds = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), -1, true)));
        return [tf.matMul(ds, sk, false, true), tf.matMul(sq, ds, true, false), dv];
      },
    };
  });
  return op(q, kT, v) as tf.Tensor4D;
}
