import { tf } from '@vlalign/core';

/** Options of {@link sphericalKMeans}. */
export interface SphericalKMeansOptions {
  /** Number of clusters. */
  k: number;
  /** Lloyd iterations. Default 10 (as BEiT-v2's `kmeans` init). */
  iterations?: number;
  /** Seeded uniform [0, 1) stream for the initial centres and for re-seeding empty clusters. */
  random: () => number;
}

/**
 * Spherical k-means (cosine similarity, unit-norm centres) on `n` row vectors of width `d`, used to
 * initialise the codebook from the first batches of encoder outputs. Centres start at distinct
 * random rows (drawn with replacement, plus a little noise, when `n < k`); an empty cluster is
 * re-seeded with a random row. Rows should already be L2-normalised.
 *
 * @param data `n * d` values, row-major
 * @returns `k * d` unit-norm centres, row-major
 */
export function sphericalKMeans(data: Float32Array, n: number, d: number, options: SphericalKMeansOptions): Float32Array {
  const { k, random } = options;
  const iterations = options.iterations ?? 10;
  if (n < 1 || data.length !== n * d) throw new Error(`sphericalKMeans: expected ${n} rows of width ${d} (${n * d} values), got ${data.length} values`);
  const centres = new Float32Array(k * d);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let c = 0; c < k; c++) {
    const row = c < n ? order[c] : Math.floor(random() * n);
    // Duplicated rows get noise so the copies can separate.
    const noise = c < n ? 0 : 0.05;
    for (let j = 0; j < d; j++) centres[c * d + j] = data[row * d + j] + noise * (random() * 2 - 1);
  }
  normaliseRows(centres, k, d);
  const assign = new Int32Array(n);
  for (let it = 0; it < iterations; it++) {
    const a = tf.tidy(() => tf.argMax(tf.matMul(tf.tensor2d(data, [n, d]), tf.transpose(tf.tensor2d(centres, [k, d]))), 1));
    assign.set(a.dataSync() as Int32Array);
    a.dispose();
    const sums = new Float32Array(k * d);
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      const c = assign[i];
      counts[c]++;
      for (let j = 0; j < d; j++) sums[c * d + j] += data[i * d + j];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        const row = Math.floor(random() * n);
        for (let j = 0; j < d; j++) sums[c * d + j] = data[row * d + j] + 0.05 * (random() * 2 - 1);
      }
    }
    normaliseRows(sums, k, d);
    centres.set(sums);
  }
  return centres;
}

/** Scales each of the `rows` rows of width `d` to unit L2 norm, in place (zero rows stay zero). */
export function normaliseRows(x: Float32Array, rows: number, d: number): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[r * d + j] ** 2;
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let j = 0; j < d; j++) x[r * d + j] *= inv;
  }
}
