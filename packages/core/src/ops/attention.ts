import * as tf from '@tensorflow/tfjs-core';
import { runKernel } from './heap-kernel.js';
import { callKernel, disposeInfos, valuesOf, view, type KernelArgs } from './backend-calls.js';

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

export const MHA_KERNEL = 'VlalignMultiHeadAttention';
/** The same kernel with an additive bias input (a separate name: the tape saves a fixed list of inputs). */
export const MHA_BIAS_KERNEL = 'VlalignMultiHeadAttentionBias';
export const MHA_GRAD_KERNEL = 'VlalignMultiHeadAttentionGrad';

interface MhaAttrs {
  heads: number;
  scale: number;
}

/** Head-split layouts and softmax probabilities, shared by the forward and the gradient kernel. */
function headsAndProbs(backendName: string, args: KernelArgs) {
  const { q, k, v, bias } = args.inputs as { q: tf.TensorInfo; k: tf.TensorInfo; v: tf.TensorInfo; bias?: tf.TensorInfo };
  const { heads: h, scale } = args.attrs as unknown as MhaAttrs;
  const backend = args.backend;
  const [b, t, d] = q.shape;
  const s = k.shape[1];
  const dh = d / h;
  const call = (name: string, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown> = {}) => callKernel(MHA_KERNEL, name, backendName, { inputs, attrs: attrs as tf.NamedAttrMap, backend });
  const temps: tf.TensorInfo[] = [];
  const keep = (x: tf.TensorInfo) => (temps.push(x), x);
  try {
    const qh = keep(call('Transpose', { x: view(q, [b, t, h, dh]) }, { perm: [0, 2, 1, 3] })); // [B, H, T, dh]
    // Keys in head layout too (a row-copy transpose; the products take the transpose flag).
    const kh = keep(call('Transpose', { x: view(k, [b, s, h, dh]) }, { perm: [0, 2, 1, 3] })); // [B, H, S, dh]
    const vh = keep(call('Transpose', { x: view(v, [b, s, h, dh]) }, { perm: [0, 2, 1, 3] })); // [B, H, S, dh]
    let scores = keep(call('BatchMatMul', { a: qh, b: kh }, { transposeA: false, transposeB: true }));
    const sv = valuesOf(backendName, backend, scores);
    for (let i = 0; i < sv.length; i++) sv[i] *= scale;
    if (bias) scores = keep(call('Add', { a: scores, b: bias }));
    const probs = keep(call('Softmax', { logits: scores }, { dim: 3 }));
    return { call, temps, qh, kh, vh, probs, shape: { b, t, s, h, dh, d }, scale, backend };
  } catch (err) {
    disposeInfos(backend, temps);
    throw err;
  }
}

function mhaForward(backendName: string): tf.KernelFunc {
  return (args) => {
    const { call, temps, vh, probs, shape, backend } = headsAndProbs(backendName, args);
    try {
      const o = call('BatchMatMul', { a: probs, b: vh }, { transposeA: false, transposeB: false }); // [B, H, T, dh]
      temps.push(o);
      const out = call('Transpose', { x: o }, { perm: [0, 2, 1, 3] }); // [B, T, H, dh]
      return view(out, [shape.b, shape.t, shape.d]);
    } finally {
      disposeInfos(backend, temps);
    }
  };
}

function mhaGrad(backendName: string): tf.KernelFunc {
  return (args) => {
    const { call, temps, qh, kh, vh, probs, shape, scale, backend } = headsAndProbs(backendName, args);
    const { b, t, s, h, dh, d } = shape;
    const dy = (args.inputs as { dy: tf.TensorInfo }).dy;
    const keep = (x: tf.TensorInfo) => (temps.push(x), x);
    const outs: tf.TensorInfo[] = [];
    try {
      const dO = keep(call('Transpose', { x: view(dy, [b, t, h, dh]) }, { perm: [0, 2, 1, 3] })); // [B, H, T, dh]
      const dvh = keep(call('BatchMatMul', { a: probs, b: dO }, { transposeA: true, transposeB: false })); // [B, H, S, dh]
      const dp = keep(call('BatchMatMul', { a: dO, b: vh }, { transposeA: false, transposeB: true })); // [B, H, T, S]
      // softmax backward, times the score scale, in place: ds = scale * p * (dp - sum(dp * p))
      const pv = valuesOf(backendName, backend, probs);
      const gv = valuesOf(backendName, backend, dp);
      for (let r = 0; r < gv.length; r += s) {
        let dot = 0;
        for (let j = r; j < r + s; j++) dot += gv[j] * pv[j];
        for (let j = r; j < r + s; j++) gv[j] = scale * pv[j] * (gv[j] - dot);
      }
      const dqh = keep(call('BatchMatMul', { a: dp, b: kh }, { transposeA: false, transposeB: false })); // [B, H, T, dh]
      const dkh = keep(call('BatchMatMul', { a: dp, b: qh }, { transposeA: true, transposeB: false })); // [B, H, S, dh]
      for (const [g, n] of [[dqh, t], [dkh, s], [dvh, s]] as const) outs.push(view(call('Transpose', { x: g }, { perm: [0, 2, 1, 3] }), [b, n, d]));
      return outs;
    } catch (err) {
      disposeInfos(backend, outs);
      throw err;
    } finally {
      disposeInfos(backend, temps);
    }
  };
}

let mhaReady = false;
/** Core's own (composite) forward kernel functions, to tell whether a backend's kernel was replaced. */
const compositeForwards = new Set<tf.KernelFunc>();
function ensureMhaRegistered(): void {
  if (mhaReady) return;
  mhaReady = true;
  for (const backendName of ['wasm', 'cpu'] as const) {
    const forward = mhaForward(backendName);
    compositeForwards.add(forward);
    for (const name of [MHA_KERNEL, MHA_BIAS_KERNEL]) if (!tf.getKernel(name, backendName)) tf.registerKernel({ kernelName: name, backendName, kernelFunc: forward });
    if (!tf.getKernel(MHA_GRAD_KERNEL, backendName)) tf.registerKernel({ kernelName: MHA_GRAD_KERNEL, backendName, kernelFunc: mhaGrad(backendName) });
  }
  // The probabilities are recomputed in the gradient kernel rather than saved; the bias gets no gradient.
  const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): Record<string, () => tf.Tensor> => {
    const [q, k, v, bias] = saved;
    const inputs: Record<string, tf.Tensor> = bias ? { dy: dy as tf.Tensor, q, k, v, bias } : { dy: dy as tf.Tensor, q, k, v };
    const [dq, dk, dv] = runKernel(MHA_GRAD_KERNEL, inputs, attrs as Record<string, unknown>) as tf.Tensor[];
    const grads: Record<string, () => tf.Tensor> = { q: () => dq, k: () => dk, v: () => dv };
    if (bias) grads.bias = () => tf.zerosLike(bias);
    return grads;
  };
  tf.registerGradient({ kernelName: MHA_KERNEL, inputsToSave: ['q', 'k', 'v'], gradFunc });
  tf.registerGradient({ kernelName: MHA_BIAS_KERNEL, inputsToSave: ['q', 'k', 'v', 'bias'], gradFunc });
}

/**
 * Whether the active backend runs {@link fusedMultiHeadAttention} with a replaced (native) kernel.
 * Core's own composite recomputes the probabilities in its gradient and measured slower than the
 * head-split composition with {@link fusedAttention} on plain wasm for long sequences, so
 * `MultiHeadAttention` takes the one-kernel path only when something (e.g. @vlalign/native) has
 * registered a faster kernel for it.
 */
export function multiHeadAttentionKernelReplaced(): boolean {
  ensureMhaRegistered();
  const k = tf.getKernel(MHA_KERNEL, tf.getBackend());
  return k !== undefined && !compositeForwards.has(k.kernelFunc);
}

/**
 * Multi-head scaled dot-product attention from the projections, `[B, T, D]` queries and `[B, S, D]`
 * keys/values to `[B, T, D]`: heads split, `softmax(scale q kT + bias) v`, heads merged, as ONE
 * kernel with ONE gradient kernel (wasm and cpu). Both chain the backend's own Transpose,
 * BatchMatMul, Add and Softmax kernels directly, so there are no reshape, transpose or scale calls
 * for the engine to record, save and differentiate; the probabilities are recomputed in the
 * gradient instead of saved.
 *
 * @param bias - optional additive bias broadcastable to `[B, heads, T, S]` (masks), a constant: its
 *   gradient is zero.
 */
export function fusedMultiHeadAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, heads: number, scale: number, bias?: tf.Tensor): tf.Tensor {
  ensureMhaRegistered();
  if (q.rank !== 3 || k.rank !== 3 || v.rank !== 3 || k.shape[0] !== q.shape[0] || v.shape[0] !== q.shape[0] || k.shape[1] !== v.shape[1] || k.shape[2] !== q.shape[2] || v.shape[2] !== q.shape[2]) {
    throw new Error(`fusedMultiHeadAttention: expected q [B, T, D], k and v [B, S, D]; got [${q.shape}], [${k.shape}], [${v.shape}]`);
  }
  if (!Number.isInteger(heads) || heads <= 0 || (q.shape[2] as number) % heads !== 0) throw new Error(`fusedMultiHeadAttention: D (${q.shape[2]}) must be a positive multiple of heads (${heads})`);
  if ([q, k, v, bias].some((x) => x && x.dtype !== 'float32')) throw new Error('fusedMultiHeadAttention: expected float32 tensors');
  return (bias ? runKernel(MHA_BIAS_KERNEL, { q, k, v, bias }, { heads, scale }) : runKernel(MHA_KERNEL, { q, k, v }, { heads, scale })) as tf.Tensor;
}
