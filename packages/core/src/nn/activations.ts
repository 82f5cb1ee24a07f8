import * as tf from '@tensorflow/tfjs-core';
import { useFusedOps } from '../ops/fused-switch.js';
import { fusedGelu } from '../ops/gelu.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

const GELU_CUBIC = 0.044715;

// Hand-written gradient: autodiff through the composite formula records ~20 elementwise kernels per
// call; the closed form needs about half, and GELU runs on the widest activation of every MLP.
const geluOp = tf.customGrad((...args) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  const x2 = tf.mul(x, x);
  const t = tf.tanh(tf.mul(tf.mul(x, tf.add(tf.mul(x2, GELU_CUBIC), 1)), SQRT_2_OVER_PI));
  const halfX = tf.mul(x, 0.5);
  save([x2, t, halfX]);
  return {
    value: tf.mul(halfX, tf.add(t, 1)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx2, st, shalf] = saved;
      // d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 c x^2)
      const dInner = tf.mul(tf.add(tf.mul(sx2, 3 * GELU_CUBIC * SQRT_2_OVER_PI), SQRT_2_OVER_PI), tf.sub(1, tf.square(st)));
      return tf.mul(dy, tf.add(tf.mul(tf.add(st, 1), 0.5), tf.mul(shalf, dInner)));
    },
  };
});

/**
 * GELU, tanh approximation (`torch.nn.functional.gelu(x, approximate='tanh')`):
 * `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`, with a closed-form gradient.
 * With fused ops on (the default, see `setFusedOps`) and a float32 input on wasm/cpu this is one
 * kernel forward and one backward.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (x.dtype === 'float32' && useFusedOps()) return fusedGelu(x);
  return geluOp(x);
}

const stopGradientOp = tf.customGrad((...args) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/**
 * Identity in the forward pass, zero gradient in the backward pass (tfjs has no `stopGradient`).
 * Use it to freeze a target (e.g. a reference model's log-probs) inside a loss.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stopGradientOp(x) as T;
}
