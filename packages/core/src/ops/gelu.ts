import * as tf from '@tensorflow/tfjs-core';
import { registerHeapKernel, runKernel } from './heap-kernel.js';
import { fastTanh } from './fast-tanh.js';
import { heapSimdFor } from './wasm-gemm/heap-simd.js';

const A = Math.sqrt(2 / Math.PI);
const C = 0.044715;
export const GELU_KERNEL = 'VlalignGelu';
export const GELU_GRAD_KERNEL = 'VlalignGeluGrad';

let ready = false;
function ensureRegistered(): void {
  if (ready) return;
  ready = true;
  registerHeapKernel({
    kernelName: GELU_KERNEL,
    inputNames: ['x'],
    outputShapes: ([x]) => [x.shape],
    body: ([x], [y]) => {
      const simd = heapSimdFor(x, y);
      if (simd) return simd.gelu_fwd(x.byteOffset, y.byteOffset, x.length);
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        y[i] = 0.5 * v * (1 + fastTanh(A * (v + C * v * v * v)));
      }
    },
  });
  registerHeapKernel({
    kernelName: GELU_GRAD_KERNEL,
    inputNames: ['dy', 'x'],
    outputShapes: ([dy]) => [dy.shape],
    body: ([dy, x], [dx]) => {
      const simd = heapSimdFor(dy, x, dx);
      if (simd) return simd.gelu_bwd(dy.byteOffset, x.byteOffset, dx.byteOffset, x.length);
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        const v2 = v * v;
        const u = A * v * (1 + C * v2);
        let t: number;
        let sech2: number;
        if (u > -1 && u < 1) {
          t = fastTanh(u);
          sech2 = 1 - t * t;
        } else {
          // Near saturation 1 - t^2 from an approximate t loses all its digits, and it is multiplied
          // by a large x here: use sech^2 = 4e / (e + 1)^2 with e = exp(2u) instead.
          const e = Math.exp(2 * (u > 40 ? 40 : u < -40 ? -40 : u));
          t = 1 - 2 / (e + 1);
          sech2 = (4 * e) / ((e + 1) * (e + 1));
        }
        dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * sech2 * A * (1 + 3 * C * v2));
      }
    },
  });
  // Only x is kept for backward: the gradient recomputes tanh instead of storing it.
  tf.registerGradient({
    kernelName: GELU_KERNEL,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => runKernel(GELU_GRAD_KERNEL, { dy: dy as tf.Tensor, x: saved[0] }) as tf.Tensor }),
  });
}

/**
 * GELU (tanh form) as ONE kernel with ONE gradient kernel, on the wasm and cpu backends. Same
 * formula as `gelu` in nn/activations; use that (it picks this path when fused ops are on).
 */
export function fusedGelu(x: tf.Tensor): tf.Tensor {
  ensureRegistered();
  if (x.dtype !== 'float32') throw new Error(`fusedGelu: expected a float32 tensor, got ${x.dtype}`);
  return runKernel(GELU_KERNEL, { x }) as tf.Tensor;
}
