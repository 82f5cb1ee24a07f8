import * as tf from '@tensorflow/tfjs-core';

/** Arguments of a tfjs kernel function. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

interface WasmViews {
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
  disposeData(dataId: unknown, force?: boolean): boolean;
}
interface CpuData {
  data: { get(dataId: unknown): { values: tf.backend_util.BackendValues } };
  disposeData(dataId: unknown, force?: boolean): boolean;
}

/** The same data seen with another shape (no kernel call, no copy; never dispose a view separately). */
export const view = (t: tf.TensorInfo, shape: number[]): tf.TensorInfo => ({ dataId: t.dataId, shape, dtype: t.dtype });

/**
 * Runs the backend's CURRENT kernel `name` (looked up per call, so kernels registered later, e.g.
 * @vlalign/native's, are used) directly, outside the engine: no tape node, no tracking. Composite
 * kernels use it to chain other kernels' bodies without per-call engine overhead.
 */
export function callKernel(owner: string, name: string, backendName: string, args: KernelArgs): tf.TensorInfo {
  const k = tf.getKernel(name, backendName);
  if (!k) throw new Error(`${owner}: backend "${backendName}" has no ${name} kernel`);
  return k.kernelFunc(args) as tf.TensorInfo;
}

/** A float32 tensor's values, in place (wasm: a view of the heap, valid until the next allocation; cpu: the stored array). */
export function valuesOf(backendName: string, backend: unknown, t: tf.TensorInfo): Float32Array {
  if (backendName === 'wasm') return (backend as WasmViews).typedArrayFromHeap(t) as Float32Array;
  return (backend as CpuData).data.get(t.dataId).values as Float32Array;
}

/** Frees intermediates made by {@link callKernel}. */
export function disposeInfos(backend: unknown, infos: (tf.TensorInfo | undefined)[]): void {
  for (const t of infos) if (t) (backend as WasmViews).disposeData(t.dataId, true);
}
