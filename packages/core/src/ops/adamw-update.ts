import * as tf from '@tensorflow/tfjs-core';
import { registerHeapKernel, runKernel } from './heap-kernel.js';
import { valuesOf } from './backend-calls.js';
import { heapSimdFor } from './wasm-gemm/heap-simd.js';

export const ADAMW_KERNEL = 'VlalignAdamWUpdate';
/** Every variable of one optimiser step in one kernel call (inputs p0, m0, v0, g0, p1, ...). */
export const ADAMW_MANY_KERNEL = 'VlalignAdamWUpdateMany';

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
    body: ([p, m, v, g], [pOut, mOut, vOut], attrs) => adamwBody(p, m, v, g, pOut, mOut, vOut, attrs as unknown as AdamWUpdateAttrs),
  });
  for (const backendName of ['wasm', 'cpu'] as const) {
    if (!tf.getKernel(ADAMW_MANY_KERNEL, backendName)) tf.registerKernel({ kernelName: ADAMW_MANY_KERNEL, backendName, kernelFunc: manyKernel(backendName) });
  }
}

function adamwBody(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, pOut: Float32Array, mOut: Float32Array, vOut: Float32Array, attrs: AdamWUpdateAttrs): void {
  const { lr, beta1, beta2, eps, bc1, bc2, decay } = attrs;
  const simd = heapSimdFor(p, m, v, g, pOut, mOut, vOut);
  if (simd) {
    simd.adamw(p.byteOffset, m.byteOffset, v.byteOffset, g.byteOffset, pOut.byteOffset, mOut.byteOffset, vOut.byteOffset, p.length, beta1, beta2, eps, 1 / Math.sqrt(bc2), lr / bc1, decay);
    return;
  }
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
}

/** Attributes of {@link ADAMW_MANY_KERNEL}: the shared hyper-parameters, and one bc1/bc2/decay per variable. */
export interface AdamWManyAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  bc1: number[];
  bc2: number[];
  decay: number[];
}

function manyKernel(backendName: 'wasm' | 'cpu'): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const a = attrs as unknown as AdamWManyAttrs;
    const ins = inputs as unknown as Record<string, tf.TensorInfo>;
    const n = a.decay.length;
    const shapes: number[][] = [];
    for (let i = 0; i < n; i++) shapes.push(ins[`p${i}`].shape, ins[`p${i}`].shape, ins[`p${i}`].shape);
    // Allocate every output first (wasm malloc may grow the heap), then view.
    const outs = shapes.map((s) => (backendName === 'wasm' ? (backend as unknown as { makeOutput(s: number[], d: tf.DataType): tf.TensorInfo }).makeOutput(s, 'float32') : undefined));
    const cpuOuts: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      const [p, m, v, g] = ['p', 'm', 'v', 'g'].map((k) => valuesOf(backendName, backend, ins[`${k}${i}`]));
      const o = backendName === 'wasm' ? [0, 1, 2].map((j) => valuesOf(backendName, backend, outs[3 * i + j]!)) : [0, 1, 2].map(() => new Float32Array(p.length));
      if (backendName === 'cpu') cpuOuts.push(...o);
      adamwBody(p, m, v, g, o[0], o[1], o[2], { lr: a.lr, beta1: a.beta1, beta2: a.beta2, eps: a.eps, bc1: a.bc1[i], bc2: a.bc2[i], decay: a.decay[i] });
    }
    if (backendName === 'wasm') return outs as tf.TensorInfo[];
    const cpu = backend as unknown as { makeTensorInfo(s: number[], d: tf.DataType, v: Float32Array): tf.TensorInfo };
    return shapes.map((s, i) => cpu.makeTensorInfo(s, 'float32', cpuOuts[i]));
  };
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

/** One variable of {@link fusedAdamWUpdateMany}: its tensors and its own bias corrections and decay. */
export interface AdamWManyItem {
  p: tf.Tensor;
  m: tf.Tensor;
  v: tf.Tensor;
  g: tf.Tensor;
  bc1: number;
  bc2: number;
  decay: number;
}

/**
 * {@link fusedAdamWUpdate} for many variables in ONE kernel call (one optimiser step): returns
 * `[p, m, v]` per item, in order. Same formula and results as one call per variable.
 */
export function fusedAdamWUpdateMany(items: AdamWManyItem[], hyper: { lr: number; beta1: number; beta2: number; eps: number }): [tf.Tensor, tf.Tensor, tf.Tensor][] {
  ensureRegistered();
  if (items.length === 0) return [];
  const inputs: Record<string, tf.Tensor> = {};
  items.forEach(({ p, m, v, g }, i) => {
    for (const [k, t] of [['m', m], ['v', v], ['g', g]] as const) {
      if (t.size !== p.size) throw new Error(`fusedAdamWUpdateMany: "${k}" of item ${i} has shape [${t.shape}] but the parameter is [${p.shape}]`);
    }
    for (const t of [p, m, v, g]) if (t.dtype !== 'float32') throw new Error(`fusedAdamWUpdateMany: item ${i} has a ${t.dtype} tensor; expected float32`);
    inputs[`p${i}`] = p;
    inputs[`m${i}`] = m;
    inputs[`v${i}`] = v;
    inputs[`g${i}`] = g;
  });
  const attrs: AdamWManyAttrs = { ...hyper, bc1: items.map((it) => it.bc1), bc2: items.map((it) => it.bc2), decay: items.map((it) => it.decay) };
  const outs = runKernel(ADAMW_MANY_KERNEL, inputs, attrs as unknown as Record<string, unknown>) as tf.Tensor[];
  return items.map((_, i) => [outs[3 * i], outs[3 * i + 1], outs[3 * i + 2]]);
}
