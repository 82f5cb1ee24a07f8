import { cpus, totalmem } from 'node:os';
import { initBackend, probeTensorflowPackage, type BackendInfo } from '@vlalign/core';
import { enableNativeKernels, formatNativeKernels, type NativeKernelsSummary } from '../run/native-kernels.js';

/** Everything `vlalign doctor` reports, as data (printed by {@link formatDoctor}). */
export interface DoctorReport {
  node: string;
  platform: string;
  cpus: number;
  memoryGiB: number;
  backend?: BackendInfo;
  backendError?: string;
  native: ReturnType<typeof probeTensorflowPackage>[];
  /** `@vlalign/native` kernels on the wasm backend: active, or why not. */
  nativeKernels?: NativeKernelsSummary;
}

export async function runDoctor(): Promise<DoctorReport> {
  const report: DoctorReport = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    native: [probeTensorflowPackage('@tensorflow/tfjs-node-gpu'), probeTensorflowPackage('@tensorflow/tfjs-node')],
  };
  try {
    report.backend = await initBackend();
    report.nativeKernels = await enableNativeKernels();
  } catch (err) {
    report.backendError = (err as Error).message;
  }
  return report;
}

export function formatDoctor(r: DoctorReport): string {
  const lines = [
    `node        ${r.node} (${r.platform}), ${r.cpus} cpus, ${r.memoryGiB} GiB`,
    r.backend
      ? `backend     ${r.backend.name} (tfjs-core ${r.backend.version}), threads ${r.backend.threads || 'auto'}, SIMD ${r.backend.simd ? 'yes' : 'no'}`
      : `backend     FAILED: ${r.backendError}`,
  ];
  if (r.backend?.gemm) {
    const g = r.backend.gemm;
    lines.push(g.active ? `wasm gemm   vlalign SIMD GEMM, ${g.threads} thread${g.threads === 1 ? '' : 's'} (VLALIGN_GEMM_THREADS)` : `wasm gemm   tfjs's own kernel: ${g.reason}`);
  }
  if (r.nativeKernels) lines.push(formatNativeKernels(r.nativeKernels));
  for (const p of r.native) lines.push(`${p.pkg.padEnd(26)} ${p.loadable ? 'loadable' : `not usable: ${p.reason}`}`);
  if (r.backend?.skipped.length) {
    for (const s of r.backend.skipped) lines.push(`skipped     ${s.name}: ${s.reason}`);
  }
  if (r.backend?.name !== 'tensorflow') {
    lines.push('hint        on a machine with internet access, `npm i @tensorflow/tfjs-node` (or -gpu) makes training much faster');
  }
  return lines.join('\n');
}
