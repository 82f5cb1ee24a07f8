import { describe, expect, it } from 'vitest';
import { initBackend } from '@vlalign/core';
import { enableNativeKernels, formatNativeKernels, recordNative } from './native-kernels.js';

describe('native kernels in the CLI', () => {
  it('formats the doctor line', () => {
    expect(formatNativeKernels({ active: false, reason: 'disabled by VLALIGN_NATIVE=0' })).toBe('native      not active: disabled by VLALIGN_NATIVE=0');
    expect(formatNativeKernels({ active: true, gemm: 'openblas', blasCore: 'SkylakeX', threads: 1, kernels: ['BatchMatMul', 'GatherV2'] })).toBe(
      'native      active: GEMM openblas (SkylakeX kernels), 1 thread, 2 kernels (BatchMatMul, GatherV2)',
    );
  });

  it('records what the report shows', () => {
    expect(recordNative({ active: true, gemm: 'openblas', blasCore: 'SkylakeX', threads: 1, kernels: ['BatchMatMul'] })).toEqual({ active: true, gemm: 'openblas (SkylakeX)' });
    expect(recordNative({ active: false, reason: 'not built' })).toEqual({ active: false, reason: 'not built' });
  });

  it('never throws, whether or not the addon is built', async () => {
    await initBackend('wasm');
    const s = await enableNativeKernels();
    expect(typeof s.active).toBe('boolean');
    if (!s.active) expect(s.reason).toBeTruthy();
  });
});
