// Single-precision GEMM: a real BLAS `cblas_sgemm` when the addon was built against one
// (OpenBLAS on Linux, Accelerate on macOS), else the bundled blocked kernel in gemm-fallback.cc.
#pragma once

#include <cstddef>

namespace vlalign {

/**
 * Row-major C[M,N] (=|+=) op(A)[M,K] op(B)[K,N], with op = transpose when tA/tB is set.
 * lda/ldb/ldc are the row strides of A, B and C as stored (A is [K,M] when tA).
 * `accumulate` adds into C instead of overwriting it. K = 0 gives zeros (or leaves C as it is).
 */
void Sgemm(bool tA, bool tB, size_t M, size_t N, size_t K, const float* A, size_t lda, const float* B, size_t ldb, float* C, size_t ldc, bool accumulate);

/** The bundled kernel, also used for tiny products where BLAS call overhead dominates. */
void SgemmFallback(bool tA, bool tB, size_t M, size_t N, size_t K, const float* A, size_t lda, const float* B, size_t ldb, float* C, size_t ldc, bool accumulate);

/** Which GEMM implementation this build uses: "openblas", "accelerate" or "fallback". */
const char* GemmImplementation();

/** The kernel family OpenBLAS picked for this CPU (e.g. "SkylakeX", "Prescott"), or nullptr. */
const char* GemmCoreName();

/** Threads for GEMM (OpenBLAS's pool, or the fallback's split); clamped to [1, 64]. */
void SetGemmThreads(int threads);
int GemmThreads();

}  // namespace vlalign
