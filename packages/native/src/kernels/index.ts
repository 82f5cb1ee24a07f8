import { mhaBiasKernel, mhaGradKernel, mhaKernel } from './attention.js';
import { addKernel, expKernel, softmaxKernel } from './elementwise.js';
import { adamWKernel, adamWManyKernel, geluGradKernel, geluKernel, layerNormGradKernel, layerNormKernel } from './fused.js';
import { gatherKernel, segmentSumKernel, sumKernel } from './gather.js';
import { batchMatMulKernel, fusedMatMulKernel } from './matmul.js';
import { transposeKernel } from './transpose.js';
import type { NativeKernelSpec } from './types.js';

/** Every kernel @vlalign/native can replace on the wasm backend, in registration order. */
export const NATIVE_KERNELS: readonly NativeKernelSpec[] = [
  batchMatMulKernel,
  fusedMatMulKernel,
  geluKernel,
  geluGradKernel,
  layerNormKernel,
  layerNormGradKernel,
  adamWKernel,
  adamWManyKernel,
  gatherKernel,
  segmentSumKernel,
  sumKernel,
  transposeKernel,
  expKernel,
  softmaxKernel,
  mhaKernel,
  mhaBiasKernel,
  mhaGradKernel,
  addKernel,
];

export type { NativeKernelSpec, SelfTestCase } from './types.js';
