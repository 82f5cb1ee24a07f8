import { readFileSync } from 'node:fs';

/**
 * The OpenBLAS kernel family to force for this CPU, or undefined to keep OpenBLAS's own choice.
 *
 * OpenBLAS's DYNAMIC_ARCH builds (Debian's 0.3.21) pick kernels by CPU model, and on CPUs they do
 * not know (common in VMs that report a generic "Intel Xeon Processor") they fall back to the
 * SSE3 `Prescott` kernels: 3-4x slower sgemm on an AVX-512 machine (measured 27 vs 100 GFLOP/s).
 * Choosing by instruction-set flags instead is safe: SkylakeX kernels need AVX-512 F/BW/DQ/VL,
 * Haswell kernels AVX2 + FMA. Only for Linux on x86-64, and never when `OPENBLAS_CORETYPE` is set.
 */
export function openblasCoreHint(cpuinfo?: string): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return undefined;
    }
  }
  const line = text.split('\n').find((l) => l.startsWith('flags'));
  if (!line) return undefined;
  const flags = new Set(line.slice(line.indexOf(':') + 1).trim().split(/\s+/));
  if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f))) return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return undefined;
}

/**
 * Sets `OPENBLAS_CORETYPE` from {@link openblasCoreHint} unless the user set it. Must run before the
 * addon (and so libopenblas) is loaded: OpenBLAS reads it once, in its load-time constructor.
 */
export function applyOpenblasCoreHint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.OPENBLAS_CORETYPE) return env.OPENBLAS_CORETYPE;
  const hint = openblasCoreHint();
  if (hint) env.OPENBLAS_CORETYPE = hint;
  return hint;
}
