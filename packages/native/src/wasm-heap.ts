import type { tf } from '@vlalign/core';

/**
 * The few tfjs-backend-wasm 4.22 internals the native kernels rely on (not public API; the
 * start-up self-test guards them): the emscripten module, the per-tensor heap offsets and
 * `makeOutput`, which mallocs a tensor on the heap.
 */
export interface WasmBackendInternals {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  readSync(dataId: unknown): tf.backend_util.BackendValues;
  disposeData(dataId: unknown, force?: boolean): boolean;
}

/** Narrows a kernel's backend argument, failing loudly if it is not the wasm backend's shape. */
export function asWasm(backend: unknown): WasmBackendInternals {
  const b = backend as Partial<WasmBackendInternals>;
  if (!b || !b.wasm || !b.dataIdMap || typeof b.makeOutput !== 'function') throw new Error('@vlalign/native: kernel called on a backend that is not tfjs-backend-wasm');
  return b as WasmBackendInternals;
}

/** Byte offset of a tensor's data inside the wasm heap. */
export function offsetOf(backend: WasmBackendInternals, t: tf.TensorInfo): number {
  const entry = backend.dataIdMap.get(t.dataId);
  if (!entry) throw new Error(`@vlalign/native: tensor [${t.shape}] has no data on the wasm backend (disposed?)`);
  return entry.memoryOffset;
}

/**
 * The live heap. Read it on every call AFTER allocating the outputs: malloc may grow the heap,
 * which detaches the previous ArrayBuffer (the addon throws on a detached one).
 */
export function heapOf(backend: WasmBackendInternals): ArrayBuffer {
  return backend.wasm.HEAPU8.buffer as ArrayBuffer;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Runs `fill` on freshly made outputs; disposes them if it throws, so a failing kernel leaks nothing. */
export function withOutputs<T extends tf.TensorInfo[]>(backend: WasmBackendInternals, outputs: T, fill: () => void): T {
  try {
    fill();
  } catch (err) {
    for (const o of outputs) backend.disposeData(o.dataId, true);
    throw err;
  }
  return outputs;
}
