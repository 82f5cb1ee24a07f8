import * as tf from '@tensorflow/tfjs-core';
import { HEAP_WASM_BASE64 } from './wasm-kernel-bytes.js';

/** The exports of the heap module (elementwise.c), all taking byte offsets into tfjs's heap. */
export interface HeapSimdKernels {
  gelu_fwd(x: number, y: number, n: number): void;
  gelu_bwd(dy: number, x: number, dx: number, n: number): void;
  layer_norm_fwd(x: number, gamma: number, beta: number, y: number, rows: number, d: number, eps: number): void;
  layer_norm_bwd(dy: number, x: number, gamma: number, dx: number, dgamma: number, dbeta: number, rows: number, d: number, eps: number): void;
  ce_rows(x: number, maxOut: number, sumOut: number, rows: number, v: number): void;
  ce_grad(x: number, lse: number, label: number, dy: number, keep: number, dx: number, rows: number, v: number): void;
  adamw(p: number, m: number, v: number, g: number, po: number, mo: number, vo: number, n: number, beta1: number, beta2: number, eps: number, invSqrtBc2: number, step: number, decay: number): void;
}

let enabled = true;
let module: WebAssembly.Module | undefined;
let bound: { memory: WebAssembly.Memory; kernels: HeapSimdKernels } | undefined;

/**
 * Switches the wasm SIMD element-wise kernels (GELU, LayerNorm, softmax cross-entropy, their gradients, the AdamW update) on or off;
 * off, the fused ops run their JS loops (same formulas, float64 intermediates). For tests and
 * benchmarks; on by default.
 */
export function setHeapSimdKernels(on: boolean): void {
  enabled = on;
}

function tfjsMemory(): WebAssembly.Memory | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const memory = (tf.backend() as unknown as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/**
 * The SIMD kernels bound to tfjs's wasm memory when every view lies in it (so their byteOffsets are
 * heap offsets), else undefined (cpu backend, switched off, or a runtime that refuses the module):
 * callers then run their JS loop.
 */
export function heapSimdFor(...views: Float32Array[]): HeapSimdKernels | undefined {
  if (!enabled) return undefined;
  const memory = tfjsMemory();
  if (!memory) return undefined;
  if (!bound || bound.memory !== memory) {
    try {
      module ??= new WebAssembly.Module(Buffer.from(HEAP_WASM_BASE64, 'base64'));
      const instance = new WebAssembly.Instance(module, { env: { memory } });
      bound = { memory, kernels: instance.exports as unknown as HeapSimdKernels };
    } catch {
      enabled = false;
      return undefined;
    }
  }
  const buffer = memory.buffer;
  for (const v of views) if (v.buffer !== buffer) return undefined;
  return bound.kernels;
}
