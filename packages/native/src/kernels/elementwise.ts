import type { tf } from '@vlalign/core';
import { randomTensor } from '../random-tensor.js';
import { asWasm, heapOf, offsetOf, sizeOf, withOutputs } from '../wasm-heap.js';
import type { NativeKernelSpec } from './types.js';

/** Exp of float32 (cross-entropy's backward): a vectorised polynomial instead of scalar libm. */
export const expKernel: NativeKernelSpec = {
  kernelName: 'Exp',
  make: (addon, original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== 'float32') return original(args);
    const backend = asWasm(args.backend);
    const y = backend.makeOutput(x.shape, 'float32');
    const n = sizeOf(x.shape);
    if (n === 0) return y;
    return withOutputs(backend, [y], () => addon.exp(heapOf(backend), offsetOf(backend, x), offsetOf(backend, y), n))[0];
  },
  selfTest: [
    { label: 'exp', inputs: () => ({ x: randomTensor([40, 33], 91, 20) }) },
    { label: 'exp extremes', inputs: () => ({ x: randomTensor([500], 92, 87) }) },
  ],
};

/** Softmax over the last axis in float64. */
export function referenceSoftmax(t: tf.Tensor): Float64Array {
  const x = t.dataSync();
  const d = t.shape[t.shape.length - 1];
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length; r += d) {
    let m = -Infinity;
    for (let j = 0; j < d; j++) m = Math.max(m, x[r + j]);
    let s = 0;
    for (let j = 0; j < d; j++) s += out[r + j] = Math.exp(x[r + j] - m);
    for (let j = 0; j < d; j++) out[r + j] /= s;
  }
  return out;
}

/** Softmax over the last axis (attention probabilities). */
export const softmaxKernel: NativeKernelSpec = {
  kernelName: 'Softmax',
  make: (addon, original) => (args) => {
    const { logits } = args.inputs as { logits: tf.TensorInfo };
    const { dim } = args.attrs as unknown as { dim: number };
    const rank = logits.shape.length;
    if (logits.dtype !== 'float32' || rank === 0 || (dim !== -1 && dim !== rank - 1)) return original(args);
    const d = logits.shape[rank - 1];
    const n = sizeOf(logits.shape);
    const backend = asWasm(args.backend);
    const y = backend.makeOutput(logits.shape, 'float32');
    if (n === 0) return y;
    return withOutputs(backend, [y], () => addon.softmax(heapOf(backend), offsetOf(backend, logits), offsetOf(backend, y), n / d, d))[0];
  },
  // Checked against float64: tfjs 4.22's wasm Softmax (XNNPACK) is itself off by up to ~1e-4 on
  // some rows, and logs "xnn_create_softmax_nc_f32 ... status 2" when called outside the engine.
  selfTest: [
    { label: 'softmax rows of 96', inputs: () => ({ logits: randomTensor([2, 4, 7, 96], 93, 8) }), attrs: { dim: -1 }, expected: ({ logits }) => [referenceSoftmax(logits)] },
    { label: 'softmax rows of 5', inputs: () => ({ logits: randomTensor([13, 5], 94, 30) }), attrs: { dim: -1 }, expected: ({ logits }) => [referenceSoftmax(logits)] },
  ],
};

/** Add of two float32 tensors of the same shape (residual streams, gradient accumulation); broadcasts keep the original kernel. */
export const addKernel: NativeKernelSpec = {
  kernelName: 'Add',
  make: (addon, original) => (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (!addon.add || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return original(args);
    const backend = asWasm(args.backend);
    const y = backend.makeOutput(a.shape, 'float32');
    const n = sizeOf(a.shape);
    if (n === 0) return y;
    return withOutputs(backend, [y], () => addon.add!(heapOf(backend), offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, y), n))[0];
  },
  selfTest: [
    { label: 'add', inputs: () => ({ a: randomTensor([37, 41], 93), b: randomTensor([37, 41], 94) }) },
    { label: 'add broadcast (original kernel)', inputs: () => ({ a: randomTensor([7, 5], 95), b: randomTensor([5], 96) }) },
  ],
};
