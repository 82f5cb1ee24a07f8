/** How one BatchMatMul maps onto the addon's strided/broadcast GEMM loop. */
export interface GemmPlan {
  outShape: number[];
  batch: number;
  m: number;
  n: number;
  k: number;
  /** Elements between consecutive A matrices (0: one A broadcast to every batch). */
  aStride: number;
  bStride: number;
  /** Per-output-batch matrix index into A / B, only for general (numpy) broadcasting. */
  aIndex?: Int32Array;
  bIndex?: Int32Array;
}

function product(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

/** numpy broadcasting of two batch shapes, or an Error naming both. */
function broadcastShapes(a: readonly number[], b: readonly number[], aShape: readonly number[], bShape: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`Error in matMul: batch dimensions of shapes [${aShape}] and [${bShape}] cannot be broadcast`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Index of the source matrix each output batch reads under broadcasting. */
function broadcastIndex(src: readonly number[], out: readonly number[]): Int32Array {
  const total = product(out);
  const idx = new Int32Array(total);
  const offset = out.length - src.length;
  for (let i = 0; i < total; i++) {
    let rem = i;
    let s = 0;
    let stride = 1;
    for (let d = out.length - 1; d >= 0; d--) {
      const coord = rem % out[d];
      rem = Math.floor(rem / out[d]);
      const sd = d - offset;
      if (sd >= 0) {
        if (src[sd] !== 1) s += coord * stride;
        stride *= src[sd];
      }
    }
    idx[i] = s;
  }
  return idx;
}

/**
 * Plans `op(a) @ op(b)` for shapes of rank >= 2 with numpy-broadcast batch dimensions. Batches of
 * size 1 broadcast with stride 0; a batched A times an unbatched B (no transposeA) folds into one
 * `[batch * M, K] x [K, N]` GEMM. K = 0 is valid (the product is zeros).
 */
export function planGemm(aShape: readonly number[], bShape: readonly number[], transposeA: boolean, transposeB: boolean): GemmPlan {
  if (aShape.length < 2 || bShape.length < 2) throw new Error(`Error in matMul: inputs must have rank >= 2, got [${aShape}] and [${bShape}]`);
  const ra = aShape.length;
  const rb = bShape.length;
  const m = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const ka = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const kb = transposeB ? bShape[rb - 1] : bShape[rb - 2];
  const n = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  if (ka !== kb) throw new Error(`Error in matMul: inner shapes (${ka}) and (${kb}) of Tensors with shapes [${aShape}] and [${bShape}] and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const outer = broadcastShapes(outerA, outerB, aShape, bShape);
  const batch = product(outer);
  const batchA = product(outerA);
  const batchB = product(outerB);
  const plan: GemmPlan = { outShape: [...outer, m, n], batch, m, n, k: ka, aStride: m * ka, bStride: ka * n };
  if (batchA !== batch) {
    if (batchA === 1) plan.aStride = 0;
    else plan.aIndex = broadcastIndex(outerA, outer);
  }
  if (batchB !== batch) {
    if (batchB === 1) plan.bStride = 0;
    else plan.bIndex = broadcastIndex(outerB, outer);
  }
  if (batch > 1 && plan.bStride === 0 && !plan.aIndex && plan.aStride !== 0 && !transposeA) {
    plan.m = batch * m;
    plan.batch = 1;
  }
  return plan;
}
