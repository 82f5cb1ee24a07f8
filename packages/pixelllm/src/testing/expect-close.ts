import { expect } from 'vitest';

/** Asserts element-wise `|actual - expected| <= atol + 1e-4 |expected|`, naming the worst index. */
export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const tol = atol + 1e-4 * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) expect.fail(`element ${i} is ${actual[i]}, expected ${expected[i]} (tolerance ${tol})`);
  }
}
