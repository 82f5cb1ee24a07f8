import * as tf from '@tensorflow/tfjs-core';
import { fusedOpsEnabled } from '../fused-switch.js';
import type { GemmOperands, GemmPool } from './gemm-pool.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
}

interface MatMulAttrs {
  transposeA?: boolean;
  transposeB?: boolean;
  activation?: string;
}

const OWN = Symbol.for('vlalign.threaded-gemm');
const product = (xs: readonly number[]): number => xs.reduce((p, x) => p * x, 1);

/** Layout of `op(a) @ op(b)` for the pool, or undefined for batch broadcasts it does not cover. */
export function planProduct(aShape: readonly number[], bShape: readonly number[], tA: boolean, tB: boolean): (Omit<GemmOperands, 'a' | 'b' | 'out' | 'bias'> & { outShape: number[] }) | undefined {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2) return undefined;
  const m = tA ? aShape[ra - 1] : aShape[ra - 2];
  const k = tA ? aShape[ra - 2] : aShape[ra - 1];
  const kb = tB ? bShape[rb - 1] : bShape[rb - 2];
  const n = tB ? bShape[rb - 2] : bShape[rb - 1];
  if (k !== kb) return undefined; // the original kernel reports the mismatch in tfjs's words
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const batchA = product(outerA);
  const batchB = product(outerB);
  let outer: readonly number[];
  if (batchA === batchB && outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i])) outer = outerA;
  else if (batchB === 1 && outerB.length <= outerA.length) outer = outerA;
  else if (batchA === 1 && outerA.length <= outerB.length) outer = outerB;
  else return undefined;
  const batch = product(outer);
  const layout = {
    ar: tA ? 1 : k,
    ak: tA ? m : 1,
    bk: tB ? 1 : n,
    bj: tB ? k : 1,
  };
  // A batched, untransposed A against one B is a single taller product (better tiles, one pack of B).
  if (batchB === 1 && batch > 1 && !tA) return { batch: 1, m: batch * m, n, k, sa: 0, sb: 0, ...layout, outShape: [...outer, m, n] };
  return { batch, m, n, k, sa: batchA === 1 ? 0 : m * k, sb: batchB === 1 ? 0 : k * n, ...layout, outShape: [...outer, m, n] };
}

function run(pool: GemmPool, args: KernelArgs, bias: tf.TensorInfo | undefined, original: tf.KernelFunc): tf.TensorInfo | tf.TensorInfo[] {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const attrs = args.attrs as MatMulAttrs;
  const plan = planProduct(a.shape, b.shape, Boolean(attrs.transposeA), Boolean(attrs.transposeB));
  if (!plan) return original(args);
  const backend = args.backend as unknown as WasmHeapBackend;
  const out = backend.makeOutput(plan.outShape, 'float32');
  // Views after makeOutput: its malloc may grow (and detach) the heap.
  const heap = (t: tf.TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;
  pool.run({ ...plan, a: heap(a), b: heap(b), bias: bias ? heap(bias) : undefined, out: heap(out) });
  return out;
}

const isF32 = (t: tf.TensorInfo | undefined): t is tf.TensorInfo => t !== undefined && t.dtype === 'float32';

/**
 * Routes the wasm backend's float32 `BatchMatMul` and linear-activation `_FusedMatMul` (bias per
 * column) through `pool`; everything else, and every call while fused ops are switched off
 * ({@link fusedOpsEnabled}), goes to the kernels registered before.
 */
export function installThreadedGemm(pool: GemmPool): void {
  for (const name of ['BatchMatMul', '_FusedMatMul'] as const) {
    const previous = tf.getKernel(name, 'wasm');
    if (!previous || (previous as unknown as Record<symbol, boolean>)[OWN]) continue;
    const original = previous.kernelFunc;
    const kernelFunc: tf.KernelFunc = (args) => {
      const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      if (!fusedOpsEnabled() || !isF32(a) || !isF32(b)) return original(args);
      if (name === 'BatchMatMul') return run(pool, args, undefined, original);
      const attrs = args.attrs as MatMulAttrs;
      if (preluActivationWeights || (attrs.activation !== undefined && attrs.activation !== 'linear')) return original(args);
      if (bias) {
        const n = attrs.transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
        if (!isF32(bias) || product(bias.shape) !== n || bias.shape[bias.shape.length - 1] !== n) return original(args);
      }
      return run(pool, args, bias, original);
    };
    const config = { ...previous, kernelFunc } as tf.KernelConfig;
    (config as unknown as Record<symbol, boolean>)[OWN] = true;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
  }
}
