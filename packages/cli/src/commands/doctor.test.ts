import { describe, expect, it } from 'vitest';
import { formatDoctor, type DoctorReport } from './doctor.js';

const base: DoctorReport = { node: 'v20.0.0', platform: 'linux-x64', cpus: 2, memoryGiB: 24, native: [] };
const backend = { name: 'wasm' as const, version: '4.22.0', threads: 2, simd: true, native: [], skipped: [] };

describe('formatDoctor', () => {
  it('reports the threaded wasm GEMM and its threads', () => {
    const text = formatDoctor({ ...base, backend: { ...backend, gemm: { active: true, threads: 2 } } });
    expect(text).toMatch(/backend {5}wasm \(tfjs-core 4\.22\.0\), threads 2, SIMD yes/);
    expect(text).toMatch(/wasm gemm {3}vlalign SIMD GEMM, 2 threads/);
  });
  it('says why tfjs kept its own matMul', () => {
    const text = formatDoctor({ ...base, backend: { ...backend, threads: 1, gemm: { active: false, threads: 0, reason: 'switched off (VLALIGN_GEMM_THREADS=0)' } } });
    expect(text).toMatch(/wasm gemm {3}tfjs's own kernel: switched off \(VLALIGN_GEMM_THREADS=0\)/);
  });
});
