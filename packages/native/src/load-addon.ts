import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyOpenblasCoreHint } from './openblas-core.js';

/** The functions the compiled addon exports (csrc/addon.cc). Offsets are bytes into the wasm heap. */
export interface NativeAddon {
  sgemm(heap: ArrayBuffer, aOff: number, bOff: number, cOff: number, batch: number, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean, aStride: number, bStride: number, biasOff: number, aIndex?: Int32Array | null, bIndex?: Int32Array | null): void;
  gelu(heap: ArrayBuffer, xOff: number, yOff: number, n: number): void;
  geluGrad(heap: ArrayBuffer, dyOff: number, xOff: number, dxOff: number, n: number): void;
  layerNorm(heap: ArrayBuffer, xOff: number, gammaOff: number, betaOff: number, yOff: number, rows: number, d: number, eps: number): void;
  layerNormGrad(heap: ArrayBuffer, dyOff: number, xOff: number, gammaOff: number, dxOff: number, dgammaOff: number, dbetaOff: number, rows: number, d: number, eps: number): void;
  adamw(heap: ArrayBuffer, p: number, m: number, v: number, g: number, pOut: number, mOut: number, vOut: number, n: number, lr: number, beta1: number, beta2: number, eps: number, bc1: number, bc2: number, decay: number): void;
  gather(heap: ArrayBuffer, xOff: number, indicesOff: number, outOff: number, count: number, rows: number, innerBytes: number): void;
  segmentSum(heap: ArrayBuffer, xOff: number, idsOff: number, outOff: number, count: number, segments: number, inner: number): void;
  sumLeading(heap: ArrayBuffer, xOff: number, outOff: number, outer: number, inner: number): void;
  transpose(heap: ArrayBuffer, xOff: number, outOff: number, shape: number[], perm: number[]): void;
  exp(heap: ArrayBuffer, xOff: number, yOff: number, n: number): void;
  softmax(heap: ArrayBuffer, xOff: number, yOff: number, rows: number, d: number): void;
  /**
   * Multi-head attention from the projections (forward when dyOff is -1, else the gradient, written
   * to outOff = dq, dkOff, dvOff). Optional: an addon built before it existed lacks it.
   */
  /** out = a + b over n floats. Optional (newer than the first addon). */
  add?(heap: ArrayBuffer, aOff: number, bOff: number, outOff: number, n: number): void;
  mha?(heap: ArrayBuffer, dyOff: number, qOff: number, kOff: number, vOff: number, biasOff: number, biasSize: number, biasStrides: Int32Array, outOff: number, dkOff: number, dvOff: number, b: number, t: number, s: number, h: number, dh: number, scale: number): void;
  setThreads(threads: number): number;
  info(): { gemm: 'openblas' | 'accelerate' | 'fallback'; threads: number; napiVersion: number; blasCore?: string };
}

const REQUIRED: (keyof NativeAddon)[] = ['sgemm', 'gelu', 'geluGrad', 'layerNorm', 'layerNormGrad', 'adamw', 'gather', 'segmentSum', 'sumLeading', 'transpose', 'exp', 'softmax', 'setThreads', 'info'];

/** The package folder (dist/ and src/ both sit one level below it). */
export function packageRoot(): string {
  return dirname(dirname(fileURLToPath(import.meta.url)));
}

/**
 * Where the addon may be, in lookup order (node-gyp-build style): `VLALIGN_NATIVE_ADDON`, then
 * `build/Release`, `build/Debug`, then `prebuilds/<platform>-<arch>/` (for future prebuilt binaries).
 */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const root = packageRoot();
  const file = 'vlalign_native.node';
  const list = [join(root, 'build', 'Release', file), join(root, 'build', 'Debug', file), join(root, 'prebuilds', `${process.platform}-${process.arch}`, file)];
  return env.VLALIGN_NATIVE_ADDON ? [env.VLALIGN_NATIVE_ADDON, ...list] : list;
}

/** Loads the addon, or says why it cannot. */
export function loadAddon(path?: string): { addon: NativeAddon; path: string } | { addon?: undefined; reason: string } {
  const candidates = path ? [path] : addonCandidates();
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    return {
      reason: `the native addon is not built (looked for ${candidates.join(', ')}); build it with \`pnpm --filter @vlalign/native build:addon\` (needs a C++ compiler; pnpm 10 users must allow the package's build script)`,
    };
  }
  try {
    applyOpenblasCoreHint();
    const addon = createRequire(import.meta.url)(found) as NativeAddon;
    const missing = REQUIRED.filter((k) => typeof addon[k] !== 'function');
    if (missing.length) return { reason: `${found} is an older or foreign build (missing ${missing.join(', ')}); rebuild it` };
    return { addon, path: found };
  } catch (err) {
    return { reason: `${found} could not be loaded: ${err instanceof Error ? err.message : String(err)}` };
  }
}
