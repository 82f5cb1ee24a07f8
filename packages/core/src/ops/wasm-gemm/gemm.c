// Single-precision GEMM for vlalign's threaded wasm matMul (see threaded-gemm.ts).
//
// Why our own kernel: tfjs-backend-wasm's BatchMatMul runs single-threaded in Node (its pthread
// build cannot start there) and calls XNNPACK once per batch matrix, which is slow for attention's
// many small products. This kernel works on a SHARED wasm memory, so several workers can each
// compute a slice of the same product. It uses no shadow stack (checked by the build script) (only wasm locals), so instances
// on different threads never touch each other's memory; every buffer is passed in as an offset.
//
// Build: packages/core/scripts/build-gemm-wasm.sh (clang --target=wasm32 -msimd128).
#include <wasm_simd128.h>

#define MR 4
#define NR 8

// Packs columns [j0, j0 + nr) of op(B) (element (k, j) at b[k * bk + j * bj]) as K rows of NR
// floats, zero-padded past nr.
static void pack_b(float *restrict dst, const float *restrict b, int K, int j0, int nr, int bk, int bj) {
  if (nr == NR && bj == 1) {
    const float *src = b + j0;
    for (int k = 0; k < K; k++, src += bk, dst += NR) {
      wasm_v128_store(dst, wasm_v128_load(src));
      wasm_v128_store(dst + 4, wasm_v128_load(src + 4));
    }
    return;
  }
  for (int k = 0; k < K; k++, dst += NR) {
    for (int jj = 0; jj < NR; jj++) dst[jj] = jj < nr ? b[k * bk + (j0 + jj) * bj] : 0.0f;
  }
}

// C[i0 .. i0+mr, j0 .. j0+nr] = op(A) rows x packed B panel (+ bias). Row r of op(A) has element k
// at a[r * ar + k * ak]. Rows past mr reuse the last valid row (their results are not stored).
static void micro(int K, const float *a, int ak, int ar, int mr, const float *restrict bp, float *c, int ldc, int nr,
                  const float *bias, int j0, float *restrict tile) {
  v128_t c00, c01, c10, c11, c20, c21, c30, c31;
  if (bias) {
    for (int jj = 0; jj < NR; jj++) tile[jj] = jj < nr ? bias[j0 + jj] : 0.0f;
    c00 = c10 = c20 = c30 = wasm_v128_load(tile);
    c01 = c11 = c21 = c31 = wasm_v128_load(tile + 4);
  } else {
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = wasm_f32x4_splat(0.0f);
  }
  const float *a0 = a;
  const float *a1 = a + (mr > 1 ? 1 : 0) * ar;
  const float *a2 = a + (mr > 2 ? 2 : mr - 1) * ar;
  const float *a3 = a + (mr > 3 ? 3 : mr - 1) * ar;
  for (int k = 0; k < K; k++) {
    const v128_t b0 = wasm_v128_load(bp);
    const v128_t b1 = wasm_v128_load(bp + 4);
    bp += NR;
    v128_t x = wasm_v128_load32_splat(a0);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x, b1));
    x = wasm_v128_load32_splat(a1);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x, b1));
    x = wasm_v128_load32_splat(a2);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(x, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(x, b1));
    x = wasm_v128_load32_splat(a3);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(x, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(x, b1));
    a0 += ak;
    a1 += ak;
    a2 += ak;
    a3 += ak;
  }
  if (nr == NR) {
    wasm_v128_store(c, c00);
    wasm_v128_store(c + 4, c01);
    if (mr > 1) { wasm_v128_store(c + ldc, c10); wasm_v128_store(c + ldc + 4, c11); }
    if (mr > 2) { wasm_v128_store(c + 2 * ldc, c20); wasm_v128_store(c + 2 * ldc + 4, c21); }
    if (mr > 3) { wasm_v128_store(c + 3 * ldc, c30); wasm_v128_store(c + 3 * ldc + 4, c31); }
    return;
  }
  float *t = tile;
  wasm_v128_store(t, c00); wasm_v128_store(t + 4, c01);
  wasm_v128_store(t + 8, c10); wasm_v128_store(t + 12, c11);
  wasm_v128_store(t + 16, c20); wasm_v128_store(t + 20, c21);
  wasm_v128_store(t + 24, c30); wasm_v128_store(t + 28, c31);
  for (int r = 0; r < mr; r++)
    for (int jj = 0; jj < nr; jj++) c[r * ldc + jj] = t[r * NR + jj];
}

// Packs op(B) of batches [b0, b1) (element (k, j) at b[bt * sb + k * bk + j * bj]) as panels of NR
// columns, batch bt at packed + bt * K * ceil(N / NR) * NR. With sb = 0 only batch 0 is packed.
__attribute__((export_name("pack"))) void pack(int b0, int b1, int N, int K, const float *b, int sb, int bk, int bj, float *packed) {
  const int panels = (N + NR - 1) / NR;
  if (sb == 0) b1 = b0 + 1;
  for (int bt = b0; bt < b1; bt++)
    for (int p = 0; p < panels; p++) {
      const int j0 = p * NR;
      pack_b(packed + (bt * panels + p) * K * NR, b + bt * sb, K, j0, N - j0 < NR ? N - j0 : NR, bk, bj);
    }
}

// For batches [b0, b1), output rows [i0, i1) and column panels [p0, p1) (NR columns each) of each:
//   C_b = op(A_b) Bpacked_b (+ bias), op(A) element (i, k) at a[i * ar + k * ak], C row-major with
//   row stride N. sa / sc: elements between batch matrices (sa = 0 broadcasts one A); packed_b is
//   batch 0's panels when sb == 0. tile: MR * NR floats owned by the calling thread.
// Rows go in blocks of MC so a block of A stays in cache while every packed panel passes over it.
#define MC 64
__attribute__((export_name("gemm"))) void gemm(int b0, int b1, int i0, int i1, int p0, int p1, int N, int K, const float *a, int sa, int ar,
                                               int ak, const float *packed, int sb, float *c, int sc, const float *bias,
                                               float *tile) {
  const int panels = (N + NR - 1) / NR;
  for (int bt = b0; bt < b1; bt++) {
    const float *A = a + bt * sa;
    const float *P = packed + (sb == 0 ? 0 : bt * panels * K * NR);
    float *C = c + bt * sc;
    for (int ib = i0; ib < i1; ib += MC) {
      const int ie = ib + MC < i1 ? ib + MC : i1;
      for (int p = p0; p < p1 && p < panels; p++) {
        const int j0 = p * NR;
        const int nr = N - j0 < NR ? N - j0 : NR;
        const float *bp = P + p * K * NR;
        for (int i = ib; i < ie; i += MR) {
          const int mr = ie - i < MR ? ie - i : MR;
          micro(K, A + i * ar, ak, ar, mr, bp, C + i * N + j0, N, nr, bias, j0, tile);
        }
      }
    }
  }
}
