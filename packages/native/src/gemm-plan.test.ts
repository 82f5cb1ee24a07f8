import { describe, expect, it } from 'vitest';
import { planGemm } from './gemm-plan.js';

describe('planGemm', () => {
  it('reads M, N, K through every transpose combination', () => {
    expect(planGemm([3, 5], [5, 7], false, false)).toMatchObject({ m: 3, n: 7, k: 5, batch: 1, outShape: [3, 7] });
    expect(planGemm([5, 3], [5, 7], true, false)).toMatchObject({ m: 3, n: 7, k: 5 });
    expect(planGemm([3, 5], [7, 5], false, true)).toMatchObject({ m: 3, n: 7, k: 5 });
    expect(planGemm([5, 3], [7, 5], true, true)).toMatchObject({ m: 3, n: 7, k: 5 });
  });

  it('broadcasts a batch of one with stride 0', () => {
    const p = planGemm([1, 3, 5], [4, 5, 7], false, false);
    expect(p).toMatchObject({ batch: 4, aStride: 0, bStride: 35, outShape: [4, 3, 7] });
    expect(p.aIndex).toBeUndefined();
  });

  it('folds a batched A times an unbatched B into one GEMM (not when A is transposed)', () => {
    expect(planGemm([4, 3, 5], [5, 7], false, false)).toMatchObject({ batch: 1, m: 12, n: 7, outShape: [4, 3, 7] });
    expect(planGemm([4, 5, 3], [5, 7], true, false)).toMatchObject({ batch: 4, m: 3, bStride: 0 });
  });

  it('gives per-batch indices for general numpy broadcasting', () => {
    const p = planGemm([2, 1, 6, 3], [3, 3, 4], false, false);
    expect(p.outShape).toEqual([2, 3, 6, 4]);
    expect(Array.from(p.aIndex!)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(Array.from(p.bIndex!)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('accepts K = 0 and rejects mismatched inner or batch dimensions', () => {
    expect(planGemm([3, 0], [0, 4], false, false)).toMatchObject({ k: 0, outShape: [3, 4] });
    expect(() => planGemm([3, 5], [6, 7], false, false)).toThrow(/inner shapes \(5\) and \(6\)/);
    expect(() => planGemm([2, 3, 5], [3, 5, 7], false, false)).toThrow(/cannot be broadcast/);
  });
});
