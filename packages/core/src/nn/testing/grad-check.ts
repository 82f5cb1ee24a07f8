import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link checkGradients}. */
export interface GradCheckOptions {
  /** Finite-difference step. Default 1e-2 (the 4-point stencil keeps truncation error O(h^4)). */
  step?: number;
  /** Absolute tolerance. Default 2e-3. */
  atol?: number;
  /** Relative tolerance. Default 2e-2. */
  rtol?: number;
  /** Check at most this many elements per variable, spread evenly. Default all. */
  maxPerVariable?: number;
}

/** One element whose analytic and numeric gradients disagree. */
export interface GradMismatch {
  name: string;
  index: number;
  analytic: number;
  numeric: number;
}

/**
 * Compares `tf.variableGrads` of `loss` with a central finite difference (4-point stencil, float32)
 * for every element of the named variables. Test helper: returns the mismatches (empty when all agree)
 * and the largest absolute error seen.
 */
export function checkGradients(vars: Record<string, tf.Variable>, loss: () => tf.Scalar, options: GradCheckOptions = {}): { mismatches: GradMismatch[]; maxAbsError: number; checked: number } {
  const h = options.step ?? 1e-2;
  const atol = options.atol ?? 2e-3;
  const rtol = options.rtol ?? 2e-2;
  const list = Object.entries(vars);
  const { grads, value } = tf.variableGrads(loss, list.map(([, v]) => v));
  value.dispose();
  const mismatches: GradMismatch[] = [];
  let maxAbsError = 0;
  let checked = 0;
  const evalLoss = () => tf.tidy(() => loss().dataSync()[0]);
  for (const [name, v] of list) {
    const base = v.dataSync().slice();
    const g = grads[v.name];
    const analytic = g ? g.dataSync() : new Float32Array(base.length);
    const n = base.length;
    const stride = options.maxPerVariable && n > options.maxPerVariable ? n / options.maxPerVariable : 1;
    for (let f = 0; f < n; f += stride) {
      const i = Math.floor(f);
      const at = (delta: number) => {
        const p = base.slice();
        p[i] += delta;
        const t = tf.tensor(p, v.shape, v.dtype);
        v.assign(t);
        t.dispose();
        return evalLoss();
      };
      const numeric = (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h);
      const err = Math.abs(numeric - analytic[i]);
      maxAbsError = Math.max(maxAbsError, err);
      checked++;
      if (err > atol + rtol * Math.max(Math.abs(numeric), Math.abs(analytic[i]))) mismatches.push({ name, index: i, analytic: analytic[i], numeric });
    }
    const restore = tf.tensor(base, v.shape, v.dtype);
    v.assign(restore);
    restore.dispose();
  }
  tf.dispose(Object.values(grads).filter((g) => g != null));
  return { mismatches, maxAbsError, checked };
}

/** A fixed pseudo-random tensor (values in [-1, 1)) for projecting outputs to a scalar loss. */
export function fixedRandom(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}
