import * as tf from '@tensorflow/tfjs-core';

/**
 * Disposes every tensor found in `value` (itself, or nested in arrays, Maps and plain objects),
 * each once. Used for what `prepare` returned, which the trainer owns after the step.
 */
export function disposeTensorsIn(value: unknown, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof tf.Tensor) {
    if (!value.isDisposed && !(value instanceof tf.Variable)) value.dispose();
    return;
  }
  if (Array.isArray(value)) for (const v of value) disposeTensorsIn(v, seen);
  else if (value instanceof Map) for (const v of value.values()) disposeTensorsIn(v, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) disposeTensorsIn(v, seen);
}
