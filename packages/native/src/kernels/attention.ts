import { tf } from '@vlalign/core';
import type { NativeAddon } from '../load-addon.js';
import { randomTensor } from '../random-tensor.js';
import { asWasm, heapOf, offsetOf, sizeOf, withOutputs } from '../wasm-heap.js';
import type { KernelArgs, NativeKernelSpec, SelfTestCase } from './types.js';

// Kernel names registered by @vlalign/core's fusedMultiHeadAttention (packages/core/src/ops/attention.ts).
export const MHA = 'VlalignMultiHeadAttention';
export const MHA_BIAS = 'VlalignMultiHeadAttentionBias';
export const MHA_GRAD = 'VlalignMultiHeadAttentionGrad';

type Infos = Record<string, tf.TensorInfo | undefined>;

/** Element strides of `bias` broadcast over [B, H, T, S] (0 on broadcast axes), or undefined when it does not broadcast. */
export function biasStrides(biasShape: readonly number[], full: readonly number[]): Int32Array | undefined {
  if (biasShape.length > 4) return undefined;
  const shape = [...Array(4 - biasShape.length).fill(1), ...biasShape];
  const strides = new Int32Array(4);
  let step = 1;
  for (let i = 3; i >= 0; i--) {
    if (shape[i] !== 1 && shape[i] !== full[i]) return undefined;
    strides[i] = shape[i] === 1 ? 0 : step;
    step *= shape[i];
  }
  return strides;
}

/** Shapes and the bias layout of a call, or undefined when the native body does not handle it. */
function plan(args: KernelArgs) {
  const { q, k, v, bias } = args.inputs as Infos;
  const heads = (args.attrs as { heads: number }).heads;
  if (!q || !k || !v || [q, k, v, bias].some((t) => t && t.dtype !== 'float32') || q.shape.length !== 3 || k.shape.length !== 3 || v.shape.length !== 3) return undefined;
  const [b, t, d] = q.shape;
  const s = k.shape[1];
  if (!(heads > 0) || d % heads !== 0 || k.shape[0] !== b || v.shape[0] !== b || v.shape[1] !== s || k.shape[2] !== d || v.shape[2] !== d) return undefined;
  const strides = bias ? biasStrides(bias.shape, [b, heads, t, s]) : new Int32Array(4);
  if (!strides) return undefined;
  return { q, k, v, bias, b, t, s, d, heads };
}

function forward(addon: NativeAddon, original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const p = plan(args);
    if (!p || !addon.mha) return original(args);
    const { q, k, v, bias, b, t, s, d, heads } = p;
    if (sizeOf(q.shape) === 0 || s === 0) return original(args);
    const backend = asWasm(args.backend);
    const out = backend.makeOutput(q.shape, 'float32');
    const strides = bias ? biasStrides(bias.shape, [b, heads, t, s])! : new Int32Array(4);
    return withOutputs(backend, [out], () =>
      addon.mha!(heapOf(backend), -1, offsetOf(backend, q), offsetOf(backend, k), offsetOf(backend, v), bias ? offsetOf(backend, bias) : -1, bias ? sizeOf(bias.shape) : 0, strides, offsetOf(backend, out), 0, 0, b, t, s, heads, d / heads, (args.attrs as { scale: number }).scale),
    )[0];
  };
}

const mhaCase = (label: string, shape: [number, number, number, number, number], biasShape?: number[], withDy = false, seed = 300): SelfTestCase => {
  const [b, t, s, h, dh] = shape;
  return {
    label,
    inputs: () => {
      const out: Record<string, tf.Tensor> = { q: randomTensor([b, t, h * dh], seed), k: randomTensor([b, s, h * dh], seed + 1), v: randomTensor([b, s, h * dh], seed + 2) };
      if (biasShape) out.bias = tf.mul(tf.cast(tf.greater(randomTensor(biasShape, seed + 3), 0.5), 'float32'), -1e9);
      if (withDy) out.dy = randomTensor([b, t, h * dh], seed + 4);
      return out;
    },
    attrs: { heads: h, scale: 1 / Math.sqrt(dh) },
  };
};

/** fusedMultiHeadAttention without a bias: one native call, heads split by strides (no transposes). */
export const mhaKernel: NativeKernelSpec = {
  kernelName: MHA,
  make: forward,
  selfTest: [mhaCase('self-attention', [2, 5, 5, 2, 4]), mhaCase('cross-attention', [3, 4, 7, 3, 8], undefined, false, 310)],
};

/** fusedMultiHeadAttention with an additive bias (masks) broadcast over batch, heads, queries. */
export const mhaBiasKernel: NativeKernelSpec = {
  kernelName: MHA_BIAS,
  make: forward,
  selfTest: [mhaCase('causal bias [1, 1, T, S]', [2, 5, 5, 2, 4], [1, 1, 5, 5], false, 320), mhaCase('key mask [B, 1, 1, S]', [3, 4, 7, 3, 8], [3, 1, 1, 7], false, 330)],
};

/** The gradient: dq, dk, dv, the probabilities recomputed. */
export const mhaGradKernel: NativeKernelSpec = {
  kernelName: MHA_GRAD,
  make: (addon, original) => (args) => {
    const p = plan(args);
    const dy = (args.inputs as Infos).dy;
    if (!p || !addon.mha || !dy || dy.dtype !== 'float32' || sizeOf(dy.shape) !== sizeOf(p.q.shape)) return original(args);
    const { q, k, v, bias, b, t, s, d, heads } = p;
    if (sizeOf(q.shape) === 0 || s === 0) return original(args);
    const backend = asWasm(args.backend);
    const outs = [backend.makeOutput(q.shape, 'float32'), backend.makeOutput(k.shape, 'float32'), backend.makeOutput(v.shape, 'float32')];
    const strides = bias ? biasStrides(bias.shape, [b, heads, t, s])! : new Int32Array(4);
    return withOutputs(backend, outs, () =>
      addon.mha!(
        heapOf(backend),
        offsetOf(backend, dy),
        offsetOf(backend, q),
        offsetOf(backend, k),
        offsetOf(backend, v),
        bias ? offsetOf(backend, bias) : -1,
        bias ? sizeOf(bias.shape) : 0,
        strides,
        offsetOf(backend, outs[0]),
        offsetOf(backend, outs[1]),
        offsetOf(backend, outs[2]),
        b,
        t,
        s,
        heads,
        d / heads,
        (args.attrs as { scale: number }).scale,
      ),
    );
  },
  selfTest: [mhaCase('gradient', [2, 5, 5, 2, 4], undefined, true, 340), mhaCase('gradient, key mask', [3, 4, 7, 3, 8], [3, 1, 1, 7], true, 350), mhaCase('gradient, causal', [2, 6, 6, 2, 4], [1, 1, 6, 6], true, 360)],
};
