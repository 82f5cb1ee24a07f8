import { expect } from 'vitest';

// Shared by the reference-value tests of several packages (re-exported from each src/testing/).

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| element-wise, reporting the worst index.
 * For float32 results checked against float64 references.
 */
export function expectClose(
  actual: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  { atol = 1e-5, rtol = 1e-4, label = '' }: { atol?: number; rtol?: number; label?: string } = {},
): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected);
  expect(a.length, `${label}: length`).toBe(e.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const excess = Math.abs(a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
    if (!(excess <= worstExcess)) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${label}: element ${worst} is ${a[worst]}, expected ${e[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}
