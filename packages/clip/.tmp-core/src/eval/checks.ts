/**
 * Input checks shared by the metric functions. Every message names the metric and the argument so
 * a failing eval hook says exactly which input was wrong.
 */

/** Throws `${metric}: ${message}`. */
export function metricError(metric: string, message: string): never {
  throw new Error(`${metric}: ${message}`);
}

/** Asserts `value` is a non-empty array. */
export function checkNonEmptyArray(metric: string, name: string, value: unknown): asserts value is unknown[] {
  if (!Array.isArray(value)) metricError(metric, `${name} must be an array, got ${typeof value}`);
  if (value.length === 0) metricError(metric, `${name} must not be empty`);
}

/** Asserts two arrays have the same length. */
export function checkSameLength(metric: string, nameA: string, a: ArrayLike<unknown>, nameB: string, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) {
    metricError(metric, `${nameA} has ${a.length} entries but ${nameB} has ${b.length}; they must match one-to-one`);
  }
}

/** Asserts `value` is a finite number. */
export function checkFinite(metric: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    metricError(metric, `${name} must be a finite number, got ${String(value)}`);
  }
}

/** Asserts `value` is an integer in [min, max]. */
export function checkInteger(metric: string, name: string, value: unknown, min: number, max = Infinity): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
    metricError(metric, `${name} must be an integer ${range}, got ${String(value)}`);
  }
}

/** Asserts a list of strings. */
export function checkStrings(metric: string, name: string, value: unknown): asserts value is string[] {
  checkNonEmptyArray(metric, name, value);
  value.forEach((s, i) => {
    if (typeof s !== 'string') metricError(metric, `${name}[${i}] must be a string, got ${typeof s}`);
  });
}
