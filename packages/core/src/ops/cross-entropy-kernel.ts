import * as tf from '@tensorflow/tfjs-core';
import { registerHeapKernel, runKernel } from './heap-kernel.js';
import { heapSimdFor } from './wasm-gemm/heap-simd.js';

export const CE_KERNEL = 'VlalignCrossEntropy';
export const CE_GRAD_KERNEL = 'VlalignCrossEntropyGrad';

let ready = false;
function ensureRegistered(): void {
  if (ready) return;
  ready = true;
  registerHeapKernel({
    kernelName: CE_KERNEL,
    inputNames: ['x', 'label', 'keep'],
    outputShapes: ([, label]) => [label.shape, label.shape],
    body: ([x, label, keep], [loss, lse]) => {
      const n = label.length;
      const v = x.length / n;
      const simd = heapSimdFor(x, loss, lse);
      if (simd) {
        // row max into `loss` and sum(exp(x - max)) into `lse`, then the log per row here
        simd.ce_rows(x.byteOffset, loss.byteOffset, lse.byteOffset, n, v);
        for (let r = 0; r < n; r++) lse[r] = loss[r] + Math.log(lse[r]);
      } else {
        for (let r = 0, off = 0; r < n; r++, off += v) {
          let m = -Infinity;
          for (let j = 0; j < v; j++) if (x[off + j] > m) m = x[off + j];
          let s = 0;
          for (let j = 0; j < v; j++) s += Math.exp(x[off + j] - m);
          lse[r] = m + Math.log(s);
        }
      }
      for (let r = 0; r < n; r++) loss[r] = keep[r] === 0 ? 0 : (lse[r] - x[r * v + label[r]]) * keep[r];
    },
  });
  registerHeapKernel({
    kernelName: CE_GRAD_KERNEL,
    inputNames: ['dy', 'x', 'lse', 'label', 'keep'],
    outputShapes: ([, x]) => [x.shape],
    body: ([dy, x, lse, label, keep], [dx]) => {
      const n = label.length;
      const v = x.length / n;
      const simd = heapSimdFor(dy, x, lse, label, keep, dx);
      if (simd) return simd.ce_grad(x.byteOffset, lse.byteOffset, label.byteOffset, dy.byteOffset, keep.byteOffset, dx.byteOffset, n, v);
      for (let r = 0, off = 0; r < n; r++, off += v) {
        const sc = dy[r] * keep[r];
        for (let j = 0; j < v; j++) dx[off + j] = Math.exp(x[off + j] - lse[r]) * sc;
        dx[off + label[r]] -= sc;
      }
    },
  });
  // Saves the logits and the per-row log-sum-exp (an output), not the softmax: the gradient
  // recomputes exp(x - lse) in one pass.
  tf.registerGradient({
    kernelName: CE_KERNEL,
    inputsToSave: ['x', 'label', 'keep'],
    outputsToSave: [false, true],
    gradFunc: (dy, saved) => {
      const [x, label, keep, lse] = saved;
      const dLoss = Array.isArray(dy) ? dy[0] : dy;
      return {
        x: () => runKernel(CE_GRAD_KERNEL, { dy: dLoss, x, lse, label, keep }) as tf.Tensor,
        label: () => tf.zerosLike(label),
        keep: () => tf.zerosLike(keep),
      };
    },
  });
}

/**
 * Softmax cross-entropy per row as ONE kernel with ONE gradient kernel (wasm: SIMD in place on
 * the heap; cpu: JS): `logits` `[N, V]` float32, `label` `[N]` class ids as float32 (exact below
 * 2^24), `keep` `[N]` 0/1. Returns `(logsumexp(row) - row[label]) * keep`; its gradient is
 * `(softmax(row) - onehot(label)) * dy * keep`. Used by `crossEntropyPerToken` when fused ops are on.
 */
export function fusedSoftmaxCrossEntropy(logits: tf.Tensor2D, label: tf.Tensor1D, keep: tf.Tensor1D): tf.Tensor1D {
  ensureRegistered();
  const outs = runKernel(CE_KERNEL, { x: logits, label, keep }) as tf.Tensor[];
  outs[1].dispose();
  return outs[0] as tf.Tensor1D;
}
