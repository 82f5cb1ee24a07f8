import * as tf from '@tensorflow/tfjs-core';
import { registerHeapKernel, runKernel } from './heap-kernel.js';

export const ADAMW_KERNEL = 'VlalignAdamWUpdate';

/** Hyper-parameters of one {@link fusedAdamWUpdate}, with the bias corrections already computed. */
export interface AdamWUpdateAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** `1 - beta1^t`. */
  bc1: number;
  /** `1 - beta2^t`. */
  bc2: number;
  /** Multiplier applied to the parameter before the update (`1 - lr * weightDecay`, or 1). */
  decay: number;
}

let ready = false;
function ensureRegistered(): void {
  if (ready) return;
  ready = true;
  registerHeapKernel({
    kernelName: ADAMW_KERNEL,
    inputNames: ['p', 'm', 'v', 'g'],
    outputShapes: ([p]) => [p.shape, p.shape, p.shape],
    body: ([p, m, v, g], [pOut, mOut, vOut], attrs) => {
      const { lr, beta1, beta2, eps, bc1, bc2, decay } = attrs as unknown as AdamWUpdateAttrs;
      const c1 = 1 - beta1;
      const c2 = 1 - beta2;
      const sqrtBc2 = Math.sqrt(bc2);
      const stepSize = lr / bc1;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i];
        const mi = Math.fround(beta1 * m[i] + c1 * gi);
        const vi = Math.fround(beta2 * v[i] + c2 * gi * gi);
        mOut[i] = mi;
        vOut[i] = vi;
        pOut[i] = p[i] * decay - (mi / (Math.sqrt(vi) / sqrtBc2 + eps)) * stepSize;
      }
    },
  });
}

/**
 * One AdamW update of a parameter as ONE kernel (wasm/cpu): returns new `[p, m, v]` with
 * `m = beta1 m + (1 - beta1) g`, `v = beta2 v + (1 - beta2) g^2`,
 * `p = p * decay - lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps)` (the formulation of `AdamW.step`).
 * Not differentiable. The caller owns the three returned tensors.
 */
export function fusedAdamWUpdate(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, attrs: AdamWUpdateAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  ensureRegistered();
  for (const [k, t] of [['m', m], ['v', v], ['g', g]] as const) {
    if (t.size !== p.size) throw new Error(`fusedAdamWUpdate: "${k}" has shape [${t.shape}] but the parameter is [${p.shape}]`);
  }
  return runKernel(ADAMW_KERNEL, { p, m, v, g }, attrs as unknown as Record<string, unknown>) as [tf.Tensor, tf.Tensor, tf.Tensor];
}
