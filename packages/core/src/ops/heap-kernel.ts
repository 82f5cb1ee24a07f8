import * as tf from '@tensorflow/tfjs-core';
import { valuesOf } from './backend-calls.js';

/**
 * The backend allocators the fused kernels rely on (tfjs 4.22; reading values in place is
 * `valuesOf`'s job). wasm: `makeOutput` mallocs on the heap; cpu: `makeTensorInfo` registers a new
 * typed array.
 */
interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}
interface CpuLike {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

/** The body of a fused kernel: reads `inputs`, fills every array of `outputs` (pre-zeroed on cpu only). */
export type HeapKernelBody = (inputs: Float32Array[], outputs: Float32Array[], attrs: Record<string, unknown>) => void;

/** Describes one fused kernel: names of its float32 inputs and the shapes of its outputs. */
export interface HeapKernelSpec {
  kernelName: string;
  inputNames: string[];
  outputShapes: (inputs: tf.TensorInfo[], attrs: Record<string, unknown>) => number[][];
  body: HeapKernelBody;
}

function kernelFunc(spec: HeapKernelSpec, backendName: 'wasm' | 'cpu'): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const infos = spec.inputNames.map((n) => {
      const t = (inputs as Record<string, tf.TensorInfo | undefined>)[n];
      if (!t) throw new Error(`${spec.kernelName}: missing input "${n}"`);
      if (t.dtype !== 'float32') throw new Error(`${spec.kernelName}: input "${n}" must be float32, got ${t.dtype}`);
      return t;
    });
    const a = (attrs ?? {}) as Record<string, unknown>;
    const shapes = spec.outputShapes(infos, a);
    if (backendName === 'wasm') {
      const b = backend as unknown as WasmLike;
      // Allocate every output first: malloc may grow the heap and detach views taken earlier.
      const outs = shapes.map((s) => b.makeOutput(s, 'float32'));
      const inViews = infos.map((t) => valuesOf(backendName, backend, t));
      const outViews = outs.map((t) => valuesOf(backendName, backend, t));
      spec.body(inViews, outViews, a);
      return outs.length === 1 ? outs[0] : outs;
    }
    const b = backend as unknown as CpuLike;
    const inViews = infos.map((t) => valuesOf(backendName, backend, t));
    const outViews = shapes.map((s) => new Float32Array(tf.util.sizeFromShape(s)));
    spec.body(inViews, outViews, a);
    const outs = shapes.map((s, i) => b.makeTensorInfo(s, 'float32', outViews[i]));
    return outs.length === 1 ? outs[0] : outs;
  };
}

const registered = new Set<string>();

/** Registers `spec` on the wasm and cpu backends (once per kernel name). */
export function registerHeapKernel(spec: HeapKernelSpec): void {
  if (registered.has(spec.kernelName)) return;
  registered.add(spec.kernelName);
  for (const backendName of ['wasm', 'cpu'] as const) {
    if (tf.getKernel(spec.kernelName, backendName)) continue;
    tf.registerKernel({ kernelName: spec.kernelName, backendName, kernelFunc: kernelFunc(spec, backendName) });
  }
}

/** Runs a registered kernel through the engine (so the tape records it with its gradient). */
export function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown> = {}): tf.Tensor | tf.Tensor[] {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
}
