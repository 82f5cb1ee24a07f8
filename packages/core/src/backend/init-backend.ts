import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadTensorflowPackage, probeTensorflowPackage, type NativeProbe } from './probe-tensorflow.js';
import { gemmThreadsFromEnv, startThreadedGemm, type ThreadedGemmInfo } from '../ops/wasm-gemm/threaded-gemm.js';
import { patchWasmBatchMatMulTranspose, patchWasmLeadingAxisSum, patchWasmOneHotDtype, patchWasmZeroCopyIdentity, registerFastUnsortedSegmentSum } from './wasm-fixes.js';

/** Names accepted by {@link initBackend} and the `VLALIGN_BACKEND` environment variable. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** What {@link initBackend} chose and what it could tell about it. */
export interface BackendInfo {
  /** The active tfjs backend. */
  name: BackendName;
  /** Version of `@tensorflow/tfjs-core`. */
  version: string;
  /** Threads the backend computes with (wasm: tfjs's kernels are single-threaded in Node; matMuls use `gemm.threads`). */
  threads: number;
  /** Whether the wasm SIMD binary is in use (false for other backends). */
  simd: boolean;
  /**
   * wasm only: vlalign's threaded SIMD GEMM, which replaces tfjs's single-threaded wasm matMul
   * while fused ops are on (`VLALIGN_GEMM_THREADS` sets its threads; `0` keeps tfjs's kernel).
   */
  gemm?: ThreadedGemmInfo;
  /** The native packages probed, and why each could not be used. */
  native: NativeProbe[];
  /** Backends that were tried and failed before the chosen one, with the reason. */
  skipped: { name: BackendName; reason: string }[];
}

let current: BackendInfo | undefined;
let gradientsRegistered = false;

async function registerGradients(): Promise<void> {
  if (gradientsRegistered) return;
  // tfjs-core's Node entry registers no gradient functions and its register_all_gradients module is
  // extensionless ESM that Node cannot load; tfjs-layers' bundle registers all of them as a side effect.
  await import('@tensorflow/tfjs-layers');
  gradientsRegistered = true;
}

async function tryWasm(gemmThreads: number): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('tf.setBackend("wasm") returned false');
  patchWasmBatchMatMulTranspose();
  patchWasmOneHotDtype();
  registerFastUnsortedSegmentSum('wasm');
  patchWasmZeroCopyIdentity();
  patchWasmLeadingAxisSum();
  wasmGemm = await startThreadedGemm(gemmThreads);
}

let wasmGemm: ThreadedGemmInfo | undefined;

async function tryCpu(): Promise<void> {
  const ok = await tf.setBackend('cpu');
  if (!ok) throw new Error('tf.setBackend("cpu") returned false');
  registerFastUnsortedSegmentSum('cpu');
}

function probeNative(): NativeProbe[] {
  return [probeTensorflowPackage('@tensorflow/tfjs-node-gpu'), probeTensorflowPackage('@tensorflow/tfjs-node')];
}

async function tryTensorflow(probes: NativeProbe[]): Promise<void> {
  const usable = probes.find((p) => p.loadable);
  if (!usable) throw new Error(probes.map((p) => `${p.pkg}: ${p.reason}`).join('; '));
  loadTensorflowPackage(usable.pkg);
  const ok = await tf.setBackend('tensorflow');
  if (!ok) throw new Error(`${usable.pkg} loaded but tf.setBackend("tensorflow") failed`);
}

function parseBackendName(value: string, source: string): BackendName {
  if (value === 'tensorflow' || value === 'wasm' || value === 'cpu') return value;
  throw new Error(`${source} is "${value}"; expected one of "tensorflow", "wasm", "cpu"`);
}

/**
 * Selects and initialises the tensor backend, registers every gradient and installs vlalign's
 * kernel fixes (wasm BatchMatMul transposes, gather's gradient). Idempotent: later calls return the
 * backend already chosen unless a different one is asked for.
 *
 * Order: `tensorflow` (tfjs-node-gpu, then tfjs-node, only when their native binding is present) ->
 * `wasm` (SIMD) -> `cpu`. `VLALIGN_BACKEND` or `prefer` forces one; a forced backend that fails
 * throws instead of falling back.
 *
 * @example
 * const info = await initBackend();
 * console.log(info.name, info.threads, info.simd);
 */
export async function initBackend(prefer?: BackendName): Promise<BackendInfo> {
  const envChoice = process.env.VLALIGN_BACKEND;
  const forced = prefer !== undefined ? parseBackendName(prefer, 'initBackend(prefer)') : envChoice ? parseBackendName(envChoice, 'VLALIGN_BACKEND') : undefined;
  if (current && (!forced || forced === current.name)) return current;
  // Parsed before any backend is tried: a bad VLALIGN_GEMM_THREADS must fail here, not quietly push
  // the choice from wasm to cpu.
  const gemmThreads = gemmThreadsFromEnv(process.env.VLALIGN_GEMM_THREADS, availableParallelism());
  await registerGradients();
  const native = probeNative();
  const order: BackendName[] = forced ? [forced] : ['tensorflow', 'wasm', 'cpu'];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    try {
      if (name === 'tensorflow') await tryTensorflow(native);
      else if (name === 'wasm') await tryWasm(gemmThreads);
      else await tryCpu();
      await tf.ready();
      current = describe(name, native, skipped);
      return current;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (forced) throw new Error(`Backend "${name}" was requested but could not start: ${reason}`);
      skipped.push({ name, reason });
    }
  }
  throw new Error(`No tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

function describe(name: BackendName, native: NativeProbe[], skipped: BackendInfo['skipped']): BackendInfo {
  const simd = name === 'wasm' ? Boolean(tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) : false;
  let threads = 1;
  if (name === 'tensorflow') threads = 0; // chosen by libtensorflow's own pool
  if (name === 'wasm' && wasmGemm?.active) threads = wasmGemm.threads;
  return { name, version: tf.version_core, threads, simd, native, skipped, ...(name === 'wasm' && wasmGemm ? { gemm: wasmGemm } : {}) };
}

/** The backend chosen by {@link initBackend}, or undefined before it ran. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}
