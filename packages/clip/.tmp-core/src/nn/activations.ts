import * as tf from '@tensorflow/tfjs-core';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU, tanh approximation (`torch.nn.functional.gelu(x, approximate='tanh')`):
 * `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
  });
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
