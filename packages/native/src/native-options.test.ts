import { describe, expect, it } from 'vitest';
import { nativeDisabledByEnv, resolveThreads } from './native-options.js';
import { openblasCoreHint } from './openblas-core.js';

describe('options', () => {
  it('reads VLALIGN_NATIVE', () => {
    for (const v of ['0', 'false', 'OFF', ' no ']) expect(nativeDisabledByEnv(v)).toBe(true);
    for (const v of [undefined, '', '1', 'on']) expect(nativeDisabledByEnv(v)).toBe(false);
  });

  it('defaults to one GEMM thread and validates VLALIGN_NATIVE_THREADS', () => {
    expect(resolveThreads(undefined, undefined)).toBe(1);
    expect(resolveThreads(undefined, '2')).toBe(2);
    expect(resolveThreads(3, '2')).toBe(3);
    expect(resolveThreads(500, undefined)).toBe(64);
    expect(() => resolveThreads(undefined, 'two')).toThrow(/VLALIGN_NATIVE_THREADS=two/);
    expect(() => resolveThreads(0, undefined)).toThrow(/positive integer/);
  });

  it.runIf(process.platform === 'linux' && process.arch === 'x64')('picks OpenBLAS kernels from CPU flags', () => {
    expect(openblasCoreHint('flags\t\t: fpu sse2 avx2 fma avx512f avx512bw avx512dq avx512vl\n')).toBe('SkylakeX');
    expect(openblasCoreHint('flags\t\t: fpu sse2 avx avx2 fma\n')).toBe('Haswell');
    expect(openblasCoreHint('flags\t\t: fpu sse2 sse4_2\n')).toBeUndefined();
  });
});
