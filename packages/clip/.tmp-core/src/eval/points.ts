import { checkFinite, checkNonEmptyArray, checkSameLength, metricError } from './checks.js';

/** Per-row validity: 1/true keeps the row, 0/false drops it. */
export type RowMask = readonly (number | boolean)[];

/**
 * Mean absolute error per coordinate between predicted and target points:
 * `Σ_valid rows Σ_d |pred - target| / (#valid rows × D)`.
 * Use normalised coordinates (divide x by width, y by height) to compare with PixelLLM's `point_l1`.
 *
 * @param pred `[N][D]` predicted coordinates (e.g. D = 2 for (x, y), 4 for two corner points).
 * @param target `[N][D]` targets.
 * @param mask Optional per-row validity (e.g. 0 for BOS/EOS/PAD tokens). Rows masked out are ignored.
 * @returns the error, or `NaN` when no row is valid.
 * @throws on shape mismatches, ragged rows or non-finite values.
 */
export function pointL1(pred: readonly (readonly number[])[], target: readonly (readonly number[])[], mask?: RowMask): number {
  const metric = 'pointL1';
  checkNonEmptyArray(metric, 'pred', pred);
  checkSameLength(metric, 'pred', pred, 'target', target);
  const valid = checkMask(metric, mask, pred.length);
  const dims = checkRow(metric, 'pred[0]', pred[0], undefined);
  let sum = 0;
  let rows = 0;
  pred.forEach((p, i) => {
    checkRow(metric, `pred[${i}]`, p, dims);
    checkRow(metric, `target[${i}]`, target[i], dims);
    if (!valid[i]) return;
    rows++;
    for (let d = 0; d < dims; d++) sum += Math.abs(p[d] - target[i][d]);
  });
  return rows === 0 ? Number.NaN : sum / (rows * dims);
}

/**
 * PixelLLM's `point_l1` (scenic `PointEvaluator`) at row level: each row (a word token) has K
 * predicted points and M target points; every predicted point takes the mean-over-coordinates L1
 * distance to its CLOSEST target point; those are averaged over the K points, then over valid rows.
 * (PixelLLM then averages per image; pass one image's rows at a time to reproduce that.)
 *
 * @param pred `[N][K][D]` predicted points per row.
 * @param target `[N][M][D]` target points per row (M >= 1).
 * @param mask Optional per-row validity.
 * @returns the error, or `NaN` when no row is valid.
 */
export function pointL1Nearest(pred: readonly (readonly (readonly number[])[])[], target: readonly (readonly (readonly number[])[])[], mask?: RowMask): number {
  const metric = 'pointL1Nearest';
  checkNonEmptyArray(metric, 'pred', pred);
  checkSameLength(metric, 'pred', pred, 'target', target);
  const valid = checkMask(metric, mask, pred.length);
  let dims: number | undefined;
  let sum = 0;
  let rows = 0;
  pred.forEach((points, i) => {
    checkNonEmptyArray(metric, `pred[${i}]`, points);
    checkNonEmptyArray(metric, `target[${i}]`, target[i]);
    points.forEach((p, k) => (dims = checkRow(metric, `pred[${i}][${k}]`, p, dims)));
    target[i].forEach((t, m) => checkRow(metric, `target[${i}][${m}]`, t, dims));
    if (!valid[i]) return;
    rows++;
    let rowSum = 0;
    for (const p of points) {
      let best = Infinity;
      for (const t of target[i]) {
        let d = 0;
        for (let c = 0; c < p.length; c++) d += Math.abs(p[c] - t[c]);
        best = Math.min(best, d / p.length);
      }
      rowSum += best;
    }
    sum += rowSum / points.length;
  });
  return rows === 0 ? Number.NaN : sum / rows;
}

function checkRow(metric: string, name: string, row: unknown, dims: number | undefined): number {
  if (!Array.isArray(row) || row.length === 0) metricError(metric, `${name} must be a non-empty number[]`);
  if (dims !== undefined && row.length !== dims) metricError(metric, `${name} has ${row.length} coordinates, expected ${dims}`);
  row.forEach((v, d) => checkFinite(metric, `${name}[${d}]`, v));
  return row.length;
}

function checkMask(metric: string, mask: RowMask | undefined, rows: number): boolean[] {
  if (mask === undefined) return new Array<boolean>(rows).fill(true);
  if (!Array.isArray(mask)) metricError(metric, 'mask must be an array of 0/1 or booleans, one per row');
  checkSameLength(metric, 'pred', { length: rows }, 'mask', mask);
  return mask.map((m, i) => {
    if (m === true || m === 1) return true;
    if (m === false || m === 0) return false;
    return metricError(metric, `mask[${i}] must be 0, 1, true or false, got ${String(m)}`);
  });
}
