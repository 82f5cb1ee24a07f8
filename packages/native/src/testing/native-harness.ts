import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, tf } from '@vlalign/core';
import { disableNative, enableNative, nativeStatus } from '../enable-native.js';
import { packageRoot } from '../load-addon.js';

/** Whether the addon has been built in this checkout (tests that need it skip otherwise). */
export const addonBuilt = existsSync(join(packageRoot(), 'build', 'Release', 'vlalign_native.node'));

/** Starts the wasm backend and turns the native kernels on; throws if they do not come up. */
export async function setUpNative(): Promise<void> {
  await initBackend('wasm');
  const s = await enableNative();
  if (!s.active) throw new Error(`native kernels did not start: ${s.reason}`);
}

/** Runs `fn` with the native kernels off (the original wasm kernels), then turns them back on. */
export async function withoutNative<T>(fn: () => T): Promise<T> {
  disableNative();
  try {
    return fn();
  } finally {
    const s = await enableNative();
    if (!s.active) throw new Error(`native kernels did not restart: ${s.reason}`);
  }
}

/** Values of a tensor (or tensors) as plain float arrays, disposing them. */
export function take(t: tf.Tensor | tf.Tensor[]): Float32Array[] {
  const list = Array.isArray(t) ? t : [t];
  const out = list.map((x) => Float32Array.from(x.dataSync()));
  tf.dispose(list);
  return out;
}

export { nativeStatus };
