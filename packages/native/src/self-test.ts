import { tf } from '@vlalign/core';
import type { NativeKernelSpec, SelfTestCase } from './kernels/types.js';
import { asWasm, type WasmBackendInternals } from './wasm-heap.js';

/** Norm-relative difference `max|a - b| / max(max|b|, floor)` (element-wise relative error is meaningless near zero). */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-12): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) diff = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Result of one self-test case. */
export interface SelfTestResult {
  kernel: string;
  label: string;
  relDiff: number;
  error?: string;
}

function outputsOf(result: tf.TensorInfo | tf.TensorInfo[]): tf.TensorInfo[] {
  return Array.isArray(result) ? result : [result];
}

function readAndDispose(backend: WasmBackendInternals, infos: tf.TensorInfo[]): Float32Array[] {
  const values = infos.map((t) => Float32Array.from(backend.readSync(t.dataId) as ArrayLike<number>));
  for (const t of infos) backend.disposeData(t.dataId, true);
  return values;
}

/**
 * Runs one case: the native kernelFunc against the original kernelFunc (or the case's reference),
 * called directly with the wasm backend so the engine and tape are not involved.
 */
export function runSelfTestCase(spec: NativeKernelSpec, c: SelfTestCase, native: tf.KernelFunc, original: tf.KernelFunc): SelfTestResult {
  const backend = asWasm(tf.backend());
  // Inside a tidy: intermediates of building the inputs (e.g. tf.abs of a random tensor) are freed.
  const inputs = tf.tidy(() => c.inputs());
  try {
    const args = { inputs: inputs as unknown as tf.NamedTensorInfoMap, attrs: (c.attrs ?? {}) as tf.NamedAttrMap, backend: tf.backend() };
    const got = readAndDispose(backend, outputsOf(native(args) as tf.TensorInfo | tf.TensorInfo[]));
    const want = c.expected ? c.expected(inputs) : readAndDispose(backend, outputsOf(original(args) as tf.TensorInfo | tf.TensorInfo[]));
    if (got.length !== want.length) return { kernel: spec.kernelName, label: c.label, relDiff: Infinity, error: `${got.length} outputs, expected ${want.length}` };
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, relDiff(got[i], want[i]));
    return { kernel: spec.kernelName, label: c.label, relDiff: worst };
  } catch (err) {
    return { kernel: spec.kernelName, label: c.label, relDiff: Infinity, error: err instanceof Error ? err.message : String(err) };
  } finally {
    tf.dispose(Object.values(inputs));
  }
}
