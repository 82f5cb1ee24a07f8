import type { tf } from '@vlalign/core';
import type { NativeAddon } from '../load-addon.js';

/** Arguments of a tfjs kernel function. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** One self-test case: inputs built on the wasm backend, compared to the original kernel or a reference. */
export interface SelfTestCase {
  label: string;
  inputs: () => Record<string, tf.Tensor>;
  attrs?: Record<string, unknown>;
  /** Expected outputs (float arrays, in output order); default: what the original kernel returns. */
  expected?: (inputs: Record<string, tf.Tensor>) => ArrayLike<number>[];
}

/** A kernel this package replaces on the wasm backend. */
export interface NativeKernelSpec {
  kernelName: string;
  /** The native kernelFunc; `original` handles every case the native body does not. */
  make(addon: NativeAddon, original: tf.KernelFunc): tf.KernelFunc;
  selfTest: SelfTestCase[];
}
