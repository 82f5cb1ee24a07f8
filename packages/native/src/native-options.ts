/** Options of {@link enableNative}. */
export interface NativeOptions {
  /**
   * GEMM threads (OpenBLAS's pool, or the bundled kernel's split). Default: `VLALIGN_NATIVE_THREADS`,
   * else 1, which measured fastest on a 2-core machine shared with V8's own threads.
   */
  threads?: number;
  /** Replace only these kernels (names as in {@link NativeStatus.kernels}). Default: all. */
  kernels?: string[];
  /** Run the start-up self-test (default true). Turning it off is for benchmarks of the self-test itself. */
  selfTest?: boolean;
  /** Load the addon from this path instead of the package's build/ folder. */
  addonPath?: string;
  /** Largest norm-relative difference the self-test accepts (default 1e-4). */
  tolerance?: number;
}

/** `0`, `false`, `off` and `no` turn the native kernels off. */
export function nativeDisabledByEnv(value: string | undefined): boolean {
  const v = value?.trim().toLowerCase();
  return v === '0' || v === 'false' || v === 'off' || v === 'no';
}

/** Threads from an option or `VLALIGN_NATIVE_THREADS`, as an integer in [1, 64]; default 1. */
export function resolveThreads(option: number | undefined, env: string | undefined): number {
  const raw = option ?? (env !== undefined && env.trim() !== '' ? Number(env) : 1);
  if (!Number.isInteger(raw) || raw < 1) throw new RangeError(`@vlalign/native: threads must be a positive integer, got ${option !== undefined ? option : `VLALIGN_NATIVE_THREADS=${env}`}`);
  return Math.min(raw, 64);
}
