/**
 * Centres of a `grid × grid` token map in raster order (row by row, as the ViT flattens its
 * patches), normalised: cell `(row, col)` has centre `((col + ½) / grid, (row + ½) / grid)`, as
 * interleaved (x, y) pairs. Shared by the prompt encoder's dense positional encoding and the point
 * head's visual readout, which must agree on where each visual token sits.
 */
export function cellCentres(grid: number): Float32Array {
  const out = new Float32Array(grid * grid * 2);
  for (let row = 0; row < grid; row++) {
    for (let col = 0; col < grid; col++) {
      out[2 * (row * grid + col)] = (col + 0.5) / grid;
      out[2 * (row * grid + col) + 1] = (row + 0.5) / grid;
    }
  }
  return out;
}
