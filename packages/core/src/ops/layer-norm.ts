import * as tf from '@tensorflow/tfjs-core';
import { registerHeapKernel, runKernel } from './heap-kernel.js';
import { heapSimdFor } from './wasm-gemm/heap-simd.js';

export const LAYER_NORM_KERNEL = 'VlalignLayerNorm';
export const LAYER_NORM_GRAD_KERNEL = 'VlalignLayerNormGrad';

/** Per-row mean and 1/sqrt(var + eps); two passes in float64 (no E[x^2]-E[x]^2 cancellation). */
function rowStats(x: Float32Array, off: number, d: number, eps: number): [number, number] {
  let s = 0;
  for (let j = 0; j < d; j++) s += x[off + j];
  const mean = s / d;
  let v = 0;
  for (let j = 0; j < d; j++) {
    const c = x[off + j] - mean;
    v += c * c;
  }
  return [mean, 1 / Math.sqrt(v / d + eps)];
}

let ready = false;
function ensureRegistered(): void {
  if (ready) return;
  ready = true;
  registerHeapKernel({
    kernelName: LAYER_NORM_KERNEL,
    inputNames: ['x', 'gamma', 'beta'],
    outputShapes: ([x]) => [x.shape],
    body: ([x, gamma, beta], [y], attrs) => {
      const eps = attrs.eps as number;
      const d = gamma.length;
      const simd = heapSimdFor(x, gamma, beta, y);
      if (simd) return simd.layer_norm_fwd(x.byteOffset, gamma.byteOffset, beta.byteOffset, y.byteOffset, x.length / d, d, eps);
      for (let off = 0; off < x.length; off += d) {
        const [mean, rstd] = rowStats(x, off, d, eps);
        for (let j = 0; j < d; j++) y[off + j] = (x[off + j] - mean) * rstd * gamma[j] + beta[j];
      }
    },
  });
  registerHeapKernel({
    kernelName: LAYER_NORM_GRAD_KERNEL,
    inputNames: ['dy', 'x', 'gamma'],
    outputShapes: ([, x, gamma]) => [x.shape, gamma.shape, gamma.shape],
    body: ([dy, x, gamma], [dx, dgamma, dbeta], attrs) => {
      const eps = attrs.eps as number;
      const d = gamma.length;
      const simd = heapSimdFor(dy, x, gamma, dx, dgamma, dbeta);
      if (simd) return simd.layer_norm_bwd(dy.byteOffset, x.byteOffset, gamma.byteOffset, dx.byteOffset, dgamma.byteOffset, dbeta.byteOffset, x.length / d, d, eps);
      const dg = new Float64Array(d);
      const db = new Float64Array(d);
      for (let off = 0; off < x.length; off += d) {
        const [mean, rstd] = rowStats(x, off, d, eps);
        let sg = 0;
        let sgx = 0;
        for (let j = 0; j < d; j++) {
          const xh = (x[off + j] - mean) * rstd;
          const g = dy[off + j] * gamma[j];
          sg += g;
          sgx += g * xh;
          dg[j] += dy[off + j] * xh;
          db[j] += dy[off + j];
        }
        sg /= d;
        sgx /= d;
        for (let j = 0; j < d; j++) {
          const xh = (x[off + j] - mean) * rstd;
          dx[off + j] = rstd * (dy[off + j] * gamma[j] - sg - xh * sgx);
        }
      }
      for (let j = 0; j < d; j++) {
        dgamma[j] = dg[j];
        dbeta[j] = db[j];
      }
    },
  });
  // The gradient recomputes mean and rstd from x (one cheap pass) rather than saving two more tensors.
  tf.registerGradient({
    kernelName: LAYER_NORM_KERNEL,
    inputsToSave: ['x', 'gamma'],
    gradFunc: (dy, saved, attrs) => {
      const [dx, dgamma, dbeta] = runKernel(LAYER_NORM_GRAD_KERNEL, { dy: dy as tf.Tensor, x: saved[0], gamma: saved[1] }, { eps: (attrs as { eps: number }).eps }) as tf.Tensor[];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  });
}

/**
 * Layer normalisation over the last axis, `(x - mean) / sqrt(var + eps) * gamma + beta` with the
 * biased variance (as `torch.nn.LayerNorm`), as ONE kernel with ONE gradient kernel on wasm/cpu.
 * Statistics are computed per row in two passes with eps inside the square root (float64 in the JS
 * loop; float32 SIMD lanes on wasm, where the heap kernels run).
 *
 * @param x - float32 `[..., D]`.
 * @param gamma - scale `[D]`; `beta` - shift `[D]`.
 */
export function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  ensureRegistered();
  const d = x.shape[x.rank - 1];
  if (gamma.rank !== 1 || beta.rank !== 1 || gamma.shape[0] !== d || beta.shape[0] !== d) {
    throw new Error(`fusedLayerNorm: expected gamma and beta of shape [${d}], got [${gamma.shape}] and [${beta.shape}]`);
  }
  if (!(eps >= 0)) throw new RangeError(`fusedLayerNorm: eps must be >= 0, got ${eps}`);
  return runKernel(LAYER_NORM_KERNEL, { x, gamma, beta }, { eps }) as tf.Tensor;
}
