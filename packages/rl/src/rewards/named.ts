import type { RewardFunction } from './types.js';

/** Gives a reward function the name its metrics are logged under (`rewards/<name>/mean`). */
export function named(name: string, fn: RewardFunction): RewardFunction {
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}
