import { tf } from '@vlalign/core';
import { randomTensor } from '../random-tensor.js';
import { asWasm, heapOf, offsetOf, sizeOf, withOutputs } from '../wasm-heap.js';
import type { NativeKernelSpec, SelfTestCase } from './types.js';

const transposeCase = (shape: number[], perm: number[], seed: number, int = false): SelfTestCase => ({
  label: `transpose [${shape}] by [${perm}]${int ? ' int32' : ''}`,
  inputs: () => ({ x: int ? tf.cast(tf.mul(randomTensor(shape, seed), 1000), 'int32') : randomTensor(shape, seed) }),
  attrs: { perm },
});

/** Transpose of 4-byte tensors (attention head splits, patchify, their gradients); whole-row copies when the last axis stays. */
export const transposeKernel: NativeKernelSpec = {
  kernelName: 'Transpose',
  make: (addon, original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as unknown as { perm: number[] };
    const rank = x.shape.length;
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || rank === 0 || rank > 8 || perm.length !== rank) return original(args);
    const backend = asWasm(args.backend);
    const out = backend.makeOutput(perm.map((p) => x.shape[p]), x.dtype);
    if (sizeOf(x.shape) === 0) return out;
    return withOutputs(backend, [out], () => addon.transpose(heapOf(backend), offsetOf(backend, x), offsetOf(backend, out), x.shape, perm))[0];
  },
  selfTest: [
    transposeCase([37, 53], [1, 0], 81),
    transposeCase([2, 3, 4, 5], [0, 2, 1, 3], 82),
    transposeCase([2, 3, 4, 5], [0, 2, 3, 1], 83),
    transposeCase([2, 3, 4, 5], [3, 1, 0, 2], 84, true),
    transposeCase([2, 3, 2, 4, 3], [2, 0, 3, 1, 4], 85),
  ],
};
