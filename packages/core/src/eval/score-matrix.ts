import { checkFinite, checkInteger, metricError } from './checks.js';

/**
 * A dense 2-D score matrix: either nested rows (`number[][]`) or a flat row-major buffer with its
 * shape (what `await tensor.data()` and `tensor.shape` give you, e.g. `{ data, shape: [nI, nT] }`).
 */
export type ScoreMatrix = readonly (readonly number[])[] | { data: ArrayLike<number>; shape: readonly [number, number] | readonly number[] };

/** A validated row-major view of a {@link ScoreMatrix}. */
export interface DenseMatrix {
  rows: number;
  cols: number;
  get(row: number, col: number): number;
  row(row: number): Float64Array;
}

/** Validates `matrix` (rectangular, non-empty, finite) and returns a row-major view. */
export function toDenseMatrix(metric: string, name: string, matrix: ScoreMatrix): DenseMatrix {
  let data: Float64Array;
  let rows: number;
  let cols: number;
  if (Array.isArray(matrix)) {
    rows = matrix.length;
    if (rows === 0) metricError(metric, `${name} must have at least one row`);
    const first = matrix[0];
    if (!Array.isArray(first)) metricError(metric, `${name} must be number[][] or { data, shape }`);
    cols = first.length;
    if (cols === 0) metricError(metric, `${name} must have at least one column`);
    data = new Float64Array(rows * cols);
    matrix.forEach((r: readonly number[], i: number) => {
      if (!Array.isArray(r) || r.length !== cols) {
        metricError(metric, `${name} must be rectangular: row 0 has ${cols} entries but row ${i} has ${Array.isArray(r) ? r.length : 'none'}`);
      }
      for (let j = 0; j < cols; j++) data[i * cols + j] = r[j];
    });
  } else if (matrix && typeof matrix === 'object' && 'data' in matrix && 'shape' in matrix) {
    const { shape } = matrix;
    if (shape.length !== 2) metricError(metric, `${name}.shape must have 2 dimensions, got [${shape.join(', ')}]`);
    checkInteger(metric, `${name}.shape[0]`, shape[0], 1);
    checkInteger(metric, `${name}.shape[1]`, shape[1], 1);
    [rows, cols] = [shape[0], shape[1]];
    if (matrix.data.length !== rows * cols) {
      metricError(metric, `${name}.data has ${matrix.data.length} values but shape [${rows}, ${cols}] needs ${rows * cols}`);
    }
    data = Float64Array.from(matrix.data);
  } else {
    metricError(metric, `${name} must be number[][] or { data, shape }`);
  }
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) checkFinite(metric, `${name}[${Math.floor(k / cols)}][${k % cols}]`, data[k]);
  }
  return {
    rows,
    cols,
    get: (r, c) => data[r * cols + c],
    row: (r) => data.subarray(r * cols, (r + 1) * cols),
  };
}
