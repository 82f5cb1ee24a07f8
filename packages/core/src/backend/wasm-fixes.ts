import * as tf from '@tensorflow/tfjs-core';

type KernelArgs = Parameters<tf.KernelFunc>[0];
interface HeapBackend {
  readSync(dataId: unknown): tf.backend_util.BackendValues;
  makeOutput?(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  disposeData(dataId: unknown): boolean;
}

const PATCHED = Symbol.for('vlalign.patched');

/**
 * wasm's BatchMatMul with transposeA/transposeB runs ~15x slower than an explicit transpose followed
 * by a plain product (measured in backend-feasibility.md §3), and every matMul gradient uses those
 * flags, so we transpose first.
 */
export function patchWasmBatchMatMulTranspose(): void {
  const orig = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!orig || !transpose || (orig as unknown as Record<symbol, boolean>)[PATCHED]) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  const patched: tf.KernelConfig = {
    ...orig,
    kernelFunc: ({ inputs, attrs, backend }: KernelArgs) => {
      let { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const a0 = attrs as { transposeA?: boolean; transposeB?: boolean };
      const temps: tf.TensorInfo[] = [];
      const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
        const r = t.shape.length;
        const perm = [...Array(r).keys()];
        perm[r - 1] = r - 2;
        perm[r - 2] = r - 1;
        const out = transpose.kernelFunc({ inputs: { x: t }, attrs: { perm }, backend }) as tf.TensorInfo;
        temps.push(out);
        return out;
      };
      if (a0.transposeA) a = swapLast(a);
      if (a0.transposeB) b = swapLast(b);
      const out = orig.kernelFunc({ inputs: { a, b }, attrs: { ...attrs, transposeA: false, transposeB: false }, backend });
      for (const t of temps) (backend as HeapBackend).disposeData(t.dataId);
      return out;
    },
  };
  (patched as unknown as Record<symbol, boolean>)[PATCHED] = true;
  tf.registerKernel(patched);
}

/**
 * UnsortedSegmentSum is gather's gradient. wasm lacks it and cpu's is O(segments*N*D) (6 s for a
 * 512x128 table); a single accumulate pass is O(N*D).
 */
export function registerFastUnsortedSegmentSum(backendName: 'wasm' | 'cpu'): void {
  const existing = tf.getKernel('UnsortedSegmentSum', backendName);
  if (existing && (existing as unknown as Record<symbol, boolean>)[PATCHED]) return;
  if (existing) tf.unregisterKernel('UnsortedSegmentSum', backendName);
  const config: tf.KernelConfig = {
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: ({ inputs, attrs, backend }: KernelArgs) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const { numSegments } = attrs as unknown as { numSegments: number };
      const b = backend as unknown as HeapBackend;
      const xv = b.readSync(x.dataId) as Float32Array;
      const ids = b.readSync(segmentIds.dataId) as Int32Array;
      const inner = x.shape.slice(segmentIds.shape.length).reduce((p, q) => p * q, 1);
      const out = new Float32Array(numSegments * inner);
      for (let i = 0; i < ids.length; i++) {
        const s = ids[i];
        if (s < 0 || s >= numSegments) continue;
        const src = i * inner;
        const dst = s * inner;
        for (let j = 0; j < inner; j++) out[dst + j] += xv[src + j];
      }
      const shape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
      return backendName === 'wasm' ? b.makeOutput!(shape, x.dtype, undefined, out) : b.makeTensorInfo!(shape, x.dtype, out);
    },
  };
  (config as unknown as Record<symbol, boolean>)[PATCHED] = true;
  tf.registerKernel(config);
}

/**
 * tfjs 4.22's wasm OneHot writes nothing when asked for a float32 output (all zeros); int32 works,
 * so we build the int32 one-hot and cast it.
 */
export function patchWasmOneHotDtype(): void {
  const orig = tf.getKernel('OneHot', 'wasm');
  const cast = tf.getKernel('Cast', 'wasm');
  if (!orig || !cast || (orig as unknown as Record<symbol, boolean>)[PATCHED]) return;
  tf.unregisterKernel('OneHot', 'wasm');
  const patched: tf.KernelConfig = {
    ...orig,
    kernelFunc: ({ inputs, attrs, backend }: KernelArgs) => {
      const dtype = (attrs as { dtype?: tf.DataType }).dtype ?? 'int32';
      if (dtype === 'int32') return orig.kernelFunc({ inputs, attrs, backend });
      const asInt = orig.kernelFunc({ inputs, attrs: { ...attrs, dtype: 'int32' }, backend }) as tf.TensorInfo;
      const out = cast.kernelFunc({ inputs: { x: asInt }, attrs: { dtype }, backend });
      (backend as HeapBackend).disposeData(asInt.dataId);
      return out;
    },
  };
  (patched as unknown as Record<symbol, boolean>)[PATCHED] = true;
  tf.registerKernel(patched);
}

interface RefCountingBackend {
  incRef(dataId: unknown): void;
}

/**
 * wasm's Identity (and Cast to the same dtype) copies the tensor; the engine clones every tensor it
 * saves for backprop through Identity, so a training step copies hundreds of activations. Tensors are
 * immutable, so sharing the data with a reference count (what the cpu backend already does) is safe
 * and measured 25-60 ms/step faster on the tiny CLIP step (perf-native-kernels.md §1-2).
 */
export function patchWasmZeroCopyIdentity(): void {
  const identity = tf.getKernel('Identity', 'wasm');
  const cast = tf.getKernel('Cast', 'wasm');
  if (!identity || !cast || (identity as unknown as Record<symbol, boolean>)[PATCHED]) return;
  const share = (x: tf.TensorInfo, backend: unknown): tf.TensorInfo => {
    (backend as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  tf.unregisterKernel('Identity', 'wasm');
  const id: tf.KernelConfig = {
    ...identity,
    kernelFunc: (args: KernelArgs) => {
      const x = (args.inputs as { x: tf.TensorInfo }).x;
      return x.dtype === 'string' ? identity.kernelFunc(args) : share(x, args.backend);
    },
  };
  (id as unknown as Record<symbol, boolean>)[PATCHED] = true;
  tf.registerKernel(id);
  tf.unregisterKernel('Cast', 'wasm');
  const c: tf.KernelConfig = {
    ...cast,
    kernelFunc: (args: KernelArgs) => {
      const x = (args.inputs as { x: tf.TensorInfo }).x;
      const dtype = (args.attrs as { dtype: tf.DataType }).dtype;
      return x.dtype === dtype && dtype !== 'string' ? share(x, args.backend) : cast.kernelFunc(args);
    },
  };
  (c as unknown as Record<symbol, boolean>)[PATCHED] = true;
  tf.registerKernel(c);
}

interface HeapViews {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
}

/**
 * wasm's Sum over leading axes (every bias gradient: `[N, D] -> [D]`) transposes the whole input
 * before reducing, ~1 ms for a 512x512 gradient. Summing rows in place over the heap needs no copy.
 * Other reductions keep the original kernel.
 */
export function patchWasmLeadingAxisSum(): void {
  const orig = tf.getKernel('Sum', 'wasm');
  if (!orig || (orig as unknown as Record<symbol, boolean>)[PATCHED]) return;
  tf.unregisterKernel('Sum', 'wasm');
  const patched: tf.KernelConfig = {
    ...orig,
    kernelFunc: (args: KernelArgs) => {
      const x = (args.inputs as { x: tf.TensorInfo }).x;
      const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
      const r = x.shape.length;
      const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
      const leading = axes.length > 0 && axes.length < r && axes.every((a, i) => a === i);
      if (x.dtype !== 'float32' || !leading) return orig.kernelFunc(args);
      const outer = x.shape.slice(0, axes.length).reduce((p, q) => p * q, 1);
      const innerShape = x.shape.slice(axes.length);
      const inner = innerShape.reduce((p, q) => p * q, 1);
      const b = args.backend as unknown as HeapViews;
      const out = b.makeOutput(keepDims ? [...axes.map(() => 1), ...innerShape] : innerShape, 'float32');
      const xv = b.typedArrayFromHeap(x) as Float32Array;
      const ov = b.typedArrayFromHeap(out) as Float32Array;
      const acc = new Float64Array(inner);
      for (let i = 0; i < outer; i++) {
        const off = i * inner;
        for (let j = 0; j < inner; j++) acc[j] += xv[off + j];
      }
      ov.set(acc);
      return out;
    },
  };
  (patched as unknown as Record<symbol, boolean>)[PATCHED] = true;
  tf.registerKernel(patched);
}
