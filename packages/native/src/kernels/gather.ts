import { tf } from '@vlalign/core';
import { randomInts, randomTensor } from '../random-tensor.js';
import { asWasm, heapOf, offsetOf, sizeOf, withOutputs } from '../wasm-heap.js';
import type { NativeKernelSpec } from './types.js';

type Infos = Record<string, tf.TensorInfo>;

/** GatherV2 on axis 0 without batch dims (embedding lookups, cross-entropy picks): row copies on the heap. */
export const gatherKernel: NativeKernelSpec = {
  kernelName: 'GatherV2',
  make: (addon, original) => (args) => {
    const { x, indices } = args.inputs as Infos;
    const { axis, batchDims } = args.attrs as { axis: number | number[]; batchDims?: number };
    const parsed = tf.util.parseAxisParam(axis, x.shape)[0];
    if (parsed !== 0 || (batchDims ?? 0) !== 0 || indices.dtype !== 'int32' || (x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length === 0) return original(args);
    const backend = asWasm(args.backend);
    const inner = sizeOf(x.shape.slice(1));
    const count = sizeOf(indices.shape);
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    if (count === 0 || inner === 0) return out;
    return withOutputs(backend, [out], () => addon.gather(heapOf(backend), offsetOf(backend, x), offsetOf(backend, indices), offsetOf(backend, out), count, x.shape[0], inner * 4))[0];
  },
  selfTest: [
    { label: 'gather rows', inputs: () => ({ x: randomTensor([50, 12], 51), indices: randomInts([4, 9], 50, 52) }), attrs: { axis: 0, batchDims: 0 } },
    { label: 'gather scalars', inputs: () => ({ x: randomTensor([300], 53), indices: randomInts([77], 300, 54) }), attrs: { axis: 0, batchDims: 0 } },
  ],
};

/** UnsortedSegmentSum (gather's gradient): one accumulate pass on the heap; out-of-range ids are skipped. */
export const segmentSumKernel: NativeKernelSpec = {
  kernelName: 'UnsortedSegmentSum',
  make: (addon, original) => (args) => {
    const { x, segmentIds } = args.inputs as Infos;
    const { numSegments } = args.attrs as unknown as { numSegments: number };
    if (x.dtype !== 'float32' || segmentIds.dtype !== 'int32') return original(args);
    const lead = segmentIds.shape.length;
    const innerShape = x.shape.slice(lead);
    const inner = sizeOf(innerShape);
    const count = sizeOf(segmentIds.shape);
    const backend = asWasm(args.backend);
    const out = backend.makeOutput([numSegments, ...innerShape], 'float32');
    if (numSegments * inner === 0) return out;
    return withOutputs(backend, [out], () => addon.segmentSum(heapOf(backend), offsetOf(backend, x), offsetOf(backend, segmentIds), offsetOf(backend, out), count, numSegments, inner))[0];
  },
  selfTest: [{ label: 'segment sum', inputs: () => ({ x: randomTensor([40, 6], 61), segmentIds: randomInts([40], 9, 62) }), attrs: { numSegments: 9 } }],
};

/** Sum over leading axes (bias gradients): float64 column sums on the heap; other reductions keep the original. */
export const sumKernel: NativeKernelSpec = {
  kernelName: 'Sum',
  make: (addon, original) => (args) => {
    const { x } = args.inputs as Infos;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const r = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.length < r && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) return original(args);
    const outer = sizeOf(x.shape.slice(0, axes.length));
    const innerShape = x.shape.slice(axes.length);
    const inner = sizeOf(innerShape);
    const backend = asWasm(args.backend);
    const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...innerShape] : innerShape, 'float32');
    if (inner === 0) return out;
    return withOutputs(backend, [out], () => addon.sumLeading(heapOf(backend), offsetOf(backend, x), offsetOf(backend, out), outer, inner))[0];
  },
  selfTest: [
    { label: 'sum axis 0', inputs: () => ({ x: randomTensor([64, 48], 71) }), attrs: { axis: [0], keepDims: false } },
    { label: 'sum axes 0,1 keepDims', inputs: () => ({ x: randomTensor([4, 16, 24], 72) }), attrs: { axis: [0, 1], keepDims: true } },
  ],
};
