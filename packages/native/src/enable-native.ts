import * as vlalignCore from '@vlalign/core';
import { fusedAdamWUpdate, fusedGelu, fusedLayerNorm, tf } from '@vlalign/core';
import { NATIVE_KERNELS } from './kernels/index.js';
import { loadAddon, type NativeAddon } from './load-addon.js';
import { nativeDisabledByEnv, resolveThreads, type NativeOptions } from './native-options.js';
import { runSelfTestCase, type SelfTestResult } from './self-test.js';

/** What {@link enableNative} did, and why not when it did nothing. */
export interface NativeStatus {
  /** Whether native kernels are registered on the wasm backend now. */
  active: boolean;
  /** Why they are not active (absent when active). */
  reason?: string;
  /** GEMM implementation of the loaded addon: `openblas`, `accelerate` or `fallback` (the bundled kernel). */
  gemm?: string;
  /** The OpenBLAS kernel family in use (e.g. `SkylakeX`; `Prescott` means a slow generic fallback). */
  blasCore?: string;
  /** GEMM threads in force. */
  threads?: number;
  /** The tfjs kernels replaced on the wasm backend. */
  kernels: string[];
  /** Path of the loaded addon. */
  addonPath?: string;
  /** Self-test summary: cases run, the worst norm-relative difference, time taken. */
  selfTest?: { cases: number; worstRelDiff: number; ms: number };
}

let status: NativeStatus = { active: false, reason: 'enableNative() has not been called', kernels: [] };
let addonCache: { addon: NativeAddon; path: string; requested?: string } | undefined;
const originals = new Map<string, tf.KernelConfig>();

/** Core registers its fused-op kernels on first use; run each once so the originals exist. */
function ensureCoreKernels(): void {
  tf.tidy(() => {
    const x = tf.ones([1, 2]);
    const g = tf.ones([2]);
    tf.grad((t: tf.Tensor) => tf.sum(fusedGelu(t)))(x);
    tf.grad((t: tf.Tensor) => tf.sum(fusedLayerNorm(t, g, g, 1e-5)))(x);
    fusedAdamWUpdate(x, x, x, x, { lr: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, bc1: 1, bc2: 1, decay: 1 });
    // An older core may lack the many-variable kernel; its spec is then skipped.
    const many = (vlalignCore as { fusedAdamWUpdateMany?: typeof vlalignCore.fusedAdamWUpdateMany }).fusedAdamWUpdateMany;
    if (typeof many === 'function') many([{ p: x, m: x, v: x, g: x, bc1: 1, bc2: 1, decay: 1 }], { lr: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    const mha = (vlalignCore as { fusedMultiHeadAttention?: typeof vlalignCore.fusedMultiHeadAttention }).fusedMultiHeadAttention;
    if (typeof mha === 'function') {
      const q = tf.ones([1, 1, 2]);
      tf.grad((t: tf.Tensor) => tf.sum(mha(t, q, q, 1, 1)))(q);
      tf.grad((t: tf.Tensor) => tf.sum(mha(t, q, q, 1, 1, tf.zeros([1, 1, 1, 1]))))(q);
    }
  });
}

function restoreOriginals(): void {
  for (const [name, config] of originals) {
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
  }
  originals.clear();
}

function fail(reason: string, warn: boolean): NativeStatus {
  restoreOriginals();
  status = { active: false, reason, kernels: [] };
  if (warn) console.warn(`[@vlalign/native] native kernels disabled: ${reason}`);
  return status;
}

/**
 * Loads the native addon and registers its kernels on the tfjs **wasm** backend: zero-copy GEMM
 * (OpenBLAS/Accelerate `cblas_sgemm`, else a bundled kernel) for `BatchMatMul` and `_FusedMatMul`,
 * and native bodies for @vlalign/core's fused GELU, LayerNorm and AdamW kernels, `GatherV2`,
 * `UnsortedSegmentSum`, leading-axis `Sum`, `Transpose`, `Exp` and last-axis `Softmax`. Every replaced kernel is then checked against the
 * original on random shapes (transposes, broadcast batches, K = 0); any failure restores all the
 * originals, prints one warning and resolves to `{ active: false, reason }`. It never throws for an
 * unusable environment: a missing addon, another backend or `VLALIGN_NATIVE=0` give a status with a
 * reason. Call it after `initBackend()`.
 *
 * @example
 * await initBackend();
 * const s = await enableNative();
 * console.log(s.active ? `native ${s.gemm}` : `plain wasm: ${s.reason}`);
 */
export async function enableNative(options: NativeOptions = {}): Promise<NativeStatus> {
  if (nativeDisabledByEnv(process.env.VLALIGN_NATIVE)) {
    if (status.active) disableNative();
    status = { active: false, reason: 'disabled by VLALIGN_NATIVE=0', kernels: [] };
    return status;
  }
  const threads = resolveThreads(options.threads, process.env.VLALIGN_NATIVE_THREADS);
  if (status.active && addonCache) {
    status.threads = addonCache.addon.setThreads(threads);
    return status;
  }
  await tf.ready();
  const backendName = tf.getBackend();
  if (backendName !== 'wasm') {
    status = { active: false, reason: `the active tfjs backend is "${backendName}"; native kernels plug into the wasm backend only (initBackend('wasm') first)`, kernels: [] };
    return status;
  }
  if (!addonCache || options.addonPath !== addonCache.requested) {
    const loaded = loadAddon(options.addonPath);
    if (!loaded.addon) {
      status = { active: false, reason: loaded.reason, kernels: [] };
      return status;
    }
    addonCache = { ...loaded, requested: options.addonPath };
  }
  const { addon, path } = addonCache;
  const info = addon.info();
  const specs = NATIVE_KERNELS.filter((k) => !options.kernels || options.kernels.includes(k.kernelName));
  const natives = new Map<string, tf.KernelFunc>();
  try {
    addon.setThreads(threads);
    ensureCoreKernels();
    for (const spec of specs) {
      const original = tf.getKernel(spec.kernelName, 'wasm');
      if (!original) continue; // e.g. an older core without this fused op
      const native = spec.make(addon, original.kernelFunc);
      originals.set(spec.kernelName, original);
      natives.set(spec.kernelName, native);
      tf.unregisterKernel(spec.kernelName, 'wasm');
      tf.registerKernel({ ...original, kernelFunc: native });
    }
  } catch (err) {
    return fail(`registering the kernels failed: ${err instanceof Error ? err.message : String(err)}`, true);
  }
  let selfTest: NativeStatus['selfTest'];
  if (options.selfTest !== false) {
    const t0 = performance.now();
    const tolerance = options.tolerance ?? 1e-4;
    const results: SelfTestResult[] = [];
    for (const spec of specs) {
      const native = natives.get(spec.kernelName);
      const original = originals.get(spec.kernelName);
      if (!native || !original) continue;
      for (const c of spec.selfTest) results.push(runSelfTestCase(spec, c, native, original.kernelFunc));
    }
    const bad = results.find((r) => r.error !== undefined || !(r.relDiff <= tolerance));
    if (bad) return fail(`self-test failed for ${bad.kernel} (${bad.label}): ${bad.error ?? `relative difference ${bad.relDiff.toExponential(2)} > ${tolerance}`}`, true);
    selfTest = { cases: results.length, worstRelDiff: Math.max(0, ...results.map((r) => r.relDiff)), ms: performance.now() - t0 };
  }
  status = { active: true, gemm: info.gemm, blasCore: info.blasCore, threads: addon.info().threads, kernels: [...natives.keys()], addonPath: path, selfTest };
  return status;
}

/** Restores the original wasm kernels replaced by {@link enableNative}. Safe to call at any time. */
export function disableNative(): NativeStatus {
  const wasActive = status.active;
  restoreOriginals();
  status = { active: false, reason: wasActive ? 'disabled by disableNative()' : status.reason, kernels: [] };
  return status;
}

/** The current {@link NativeStatus}, without changing anything. */
export function nativeStatus(): NativeStatus {
  return { ...status, kernels: [...status.kernels] };
}
