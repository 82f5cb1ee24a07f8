import * as tf from '@tensorflow/tfjs-core';
import { runKernel } from './heap-kernel.js';
import { callKernel } from './backend-calls.js';

export const ADD_SAME_KERNEL = 'VlalignAddSame';

let ready = false;
function ensureRegistered(): void {
  if (ready) return;
  ready = true;
  for (const backendName of ['wasm', 'cpu'] as const) {
    if (tf.getKernel(ADD_SAME_KERNEL, backendName)) continue;
    tf.registerKernel({ kernelName: ADD_SAME_KERNEL, backendName, kernelFunc: (args) => callKernel(ADD_SAME_KERNEL, 'Add', backendName, args) });
  }
  // Same shapes: both gradients are dy itself, so nothing is saved and nothing is reshaped. `b` gets
  // its own tensor object (a zero-copy clone): the tape disposes a gradient when it accumulates
  // another one into it, so two inputs must never share one.
  tf.registerGradient({ kernelName: ADD_SAME_KERNEL, gradFunc: (dy) => ({ a: () => dy as tf.Tensor, b: () => tf.clone(dy as tf.Tensor) }) });
}

/**
 * `a + b` for two float32 tensors of the SAME shape (residual connections) as one kernel whose
 * gradient saves nothing: `tf.add` saves clones of both inputs (to reduce broadcast axes) and
 * reshapes both gradients. Falls back to `tf.add` when shapes or dtypes differ.
 */
export function addSameShape(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) return tf.add(a, b);
  ensureRegistered();
  return runKernel(ADD_SAME_KERNEL, { a, b }) as tf.Tensor;
}
