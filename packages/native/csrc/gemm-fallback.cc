// The bundled GEMM for builds without a BLAS: Goto-style blocking (KC x NC panels of B, MC x KC
// panels of A packed into micro-panels) around a 6 x 16 register-tiled micro-kernel written in
// plain C++ that the compiler vectorises (and clones per ISA, see simd.h). Portable -O3.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "gemm.h"
#include "simd.h"

namespace vlalign {
namespace {

constexpr size_t MR = 6;
constexpr size_t NR = 16;
constexpr size_t KC = 256;
constexpr size_t MC = 96;    // multiple of MR
constexpr size_t NC = 1024;  // multiple of NR

inline float AAt(const float* A, size_t lda, bool tA, size_t i, size_t k) { return tA ? A[k * lda + i] : A[i * lda + k]; }
inline float BAt(const float* B, size_t ldb, bool tB, size_t k, size_t j) { return tB ? B[j * ldb + k] : B[k * ldb + j]; }

// A[i0:i0+mc, k0:k0+kc] -> ceil(mc/MR) panels of [kc][MR], zero-padded.
void PackA(const float* A, size_t lda, bool tA, size_t i0, size_t mc, size_t k0, size_t kc, float* out) {
  for (size_t p = 0; p < mc; p += MR) {
    const size_t rows = std::min(MR, mc - p);
    for (size_t k = 0; k < kc; k++) {
      float* dst = out + k * MR;
      size_t r = 0;
      for (; r < rows; r++) dst[r] = AAt(A, lda, tA, i0 + p + r, k0 + k);
      for (; r < MR; r++) dst[r] = 0.0f;
    }
    out += kc * MR;
  }
}

// B[k0:k0+kc, j0:j0+nc] -> ceil(nc/NR) panels of [kc][NR], zero-padded.
void PackB(const float* B, size_t ldb, bool tB, size_t k0, size_t kc, size_t j0, size_t nc, float* out) {
  for (size_t q = 0; q < nc; q += NR) {
    const size_t cols = std::min(NR, nc - q);
    for (size_t k = 0; k < kc; k++) {
      float* dst = out + k * NR;
      if (!tB && cols == NR) {
        std::memcpy(dst, B + (k0 + k) * ldb + j0 + q, NR * sizeof(float));
        continue;
      }
      size_t c = 0;
      for (; c < cols; c++) dst[c] = BAt(B, ldb, tB, k0 + k, j0 + q + c);
      for (; c < NR; c++) dst[c] = 0.0f;
    }
    out += kc * NR;
  }
}

// Micro-kernels: acc[MR][NR] = sum_k ap[k][:] (x) bp[k][:], then C (=|+=) acc on the mr x nr
// corner. Written with GCC/Clang vector extensions so the accumulators stay in registers: a
// 128-bit version (SSE2 / NEON; two 6 x 8 passes of 12 accumulators) and, on x86-64, a 256-bit
// AVX2+FMA version (12 accumulators of 8) chosen at run time by CPUID.
using MicroFn = void (*)(size_t, const float*, const float*, float*, size_t, size_t, size_t, bool);

VLALIGN_INLINE void StoreTile(const float (*acc)[NR], float* C, size_t ldc, size_t mr, size_t nr, bool add) {
  for (size_t i = 0; i < mr; i++) {
    float* c = C + i * ldc;
    if (add)
      for (size_t j = 0; j < nr; j++) c[j] += acc[i][j];
    else
      for (size_t j = 0; j < nr; j++) c[j] = acc[i][j];
  }
}

#if defined(__GNUC__) || defined(__clang__)
typedef float v4sf __attribute__((vector_size(16)));

#define VLALIGN_LOAD(T, p) ({ T v_; std::memcpy(&v_, (p), sizeof v_); v_; })
#define VLALIGN_STORE(p, v) do { auto v_ = (v); std::memcpy((p), &v_, sizeof v_); } while (0)

void MicroKernel128(size_t kc, const float* __restrict ap, const float* __restrict bp, float* __restrict C, size_t ldc, size_t mr, size_t nr, bool add) {
  static_assert(MR == 6 && NR == 16, "the micro-kernels are written for 6 x 16 tiles");
  float acc[MR][NR];
  for (size_t half = 0; half < NR; half += 8) {
    v4sf c00 = {}, c01 = {}, c10 = {}, c11 = {}, c20 = {}, c21 = {}, c30 = {}, c31 = {}, c40 = {}, c41 = {}, c50 = {}, c51 = {};
    for (size_t k = 0; k < kc; k++) {
      const v4sf b0 = VLALIGN_LOAD(v4sf, bp + k * NR + half);
      const v4sf b1 = VLALIGN_LOAD(v4sf, bp + k * NR + half + 4);
      const float* a = ap + k * MR;
      c00 += a[0] * b0; c01 += a[0] * b1;
      c10 += a[1] * b0; c11 += a[1] * b1;
      c20 += a[2] * b0; c21 += a[2] * b1;
      c30 += a[3] * b0; c31 += a[3] * b1;
      c40 += a[4] * b0; c41 += a[4] * b1;
      c50 += a[5] * b0; c51 += a[5] * b1;
    }
    VLALIGN_STORE(&acc[0][half], c00); VLALIGN_STORE(&acc[0][half + 4], c01);
    VLALIGN_STORE(&acc[1][half], c10); VLALIGN_STORE(&acc[1][half + 4], c11);
    VLALIGN_STORE(&acc[2][half], c20); VLALIGN_STORE(&acc[2][half + 4], c21);
    VLALIGN_STORE(&acc[3][half], c30); VLALIGN_STORE(&acc[3][half + 4], c31);
    VLALIGN_STORE(&acc[4][half], c40); VLALIGN_STORE(&acc[4][half + 4], c41);
    VLALIGN_STORE(&acc[5][half], c50); VLALIGN_STORE(&acc[5][half + 4], c51);
  }
  StoreTile(acc, C, ldc, mr, nr, add);
}

#if defined(__x86_64__) || defined(__i386__)
typedef float v8sf __attribute__((vector_size(32)));

__attribute__((target("avx2,fma"))) void MicroKernelAvx2(size_t kc, const float* __restrict ap, const float* __restrict bp, float* __restrict C, size_t ldc, size_t mr, size_t nr, bool add) {
  v8sf c00 = {}, c01 = {}, c10 = {}, c11 = {}, c20 = {}, c21 = {}, c30 = {}, c31 = {}, c40 = {}, c41 = {}, c50 = {}, c51 = {};
  for (size_t k = 0; k < kc; k++) {
    const v8sf b0 = VLALIGN_LOAD(v8sf, bp + k * NR);
    const v8sf b1 = VLALIGN_LOAD(v8sf, bp + k * NR + 8);
    const float* a = ap + k * MR;
    c00 += a[0] * b0; c01 += a[0] * b1;
    c10 += a[1] * b0; c11 += a[1] * b1;
    c20 += a[2] * b0; c21 += a[2] * b1;
    c30 += a[3] * b0; c31 += a[3] * b1;
    c40 += a[4] * b0; c41 += a[4] * b1;
    c50 += a[5] * b0; c51 += a[5] * b1;
  }
  float acc[MR][NR];
  VLALIGN_STORE(&acc[0][0], c00); VLALIGN_STORE(&acc[0][8], c01);
  VLALIGN_STORE(&acc[1][0], c10); VLALIGN_STORE(&acc[1][8], c11);
  VLALIGN_STORE(&acc[2][0], c20); VLALIGN_STORE(&acc[2][8], c21);
  VLALIGN_STORE(&acc[3][0], c30); VLALIGN_STORE(&acc[3][8], c31);
  VLALIGN_STORE(&acc[4][0], c40); VLALIGN_STORE(&acc[4][8], c41);
  VLALIGN_STORE(&acc[5][0], c50); VLALIGN_STORE(&acc[5][8], c51);
  StoreTile(acc, C, ldc, mr, nr, add);
}

MicroFn PickMicroKernel() {
  // VLALIGN_NATIVE_ISA=baseline forces the 128-bit kernel (to test it on an AVX2 machine).
  const char* isa = std::getenv("VLALIGN_NATIVE_ISA");
  if (isa && std::strcmp(isa, "baseline") == 0) return MicroKernel128;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? MicroKernelAvx2 : MicroKernel128;
}
#else
MicroFn PickMicroKernel() { return MicroKernel128; }
#endif

#else  // other compilers: plain loops
void MicroKernelPlain(size_t kc, const float* ap, const float* bp, float* C, size_t ldc, size_t mr, size_t nr, bool add) {
  float acc[MR][NR] = {};
  for (size_t k = 0; k < kc; k++) {
    const float* a = ap + k * MR;
    const float* b = bp + k * NR;
    for (size_t i = 0; i < MR; i++)
      for (size_t j = 0; j < NR; j++) acc[i][j] += a[i] * b[j];
  }
  StoreTile(acc, C, ldc, mr, nr, add);
}
MicroFn PickMicroKernel() { return MicroKernelPlain; }
#endif

const MicroFn MicroKernel = PickMicroKernel();

// Columns [j_begin, j_end) of the product; every thread runs this on its own column range.
void GemmColumns(bool tA, bool tB, size_t M, size_t K, const float* A, size_t lda, const float* B, size_t ldb, float* C, size_t ldc, bool accumulate, size_t j_begin, size_t j_end) {
  thread_local std::vector<float> packA, packB;
  packA.resize(MC * KC);
  packB.resize(KC * NC);
  for (size_t j0 = j_begin; j0 < j_end; j0 += NC) {
    const size_t nc = std::min(NC, j_end - j0);
    for (size_t k0 = 0; k0 < K; k0 += KC) {
      const size_t kc = std::min(KC, K - k0);
      const bool add = accumulate || k0 > 0;
      PackB(B, ldb, tB, k0, kc, j0, nc, packB.data());
      for (size_t i0 = 0; i0 < M; i0 += MC) {
        const size_t mc = std::min(MC, M - i0);
        PackA(A, lda, tA, i0, mc, k0, kc, packA.data());
        for (size_t q = 0; q < nc; q += NR) {
          const float* bp = packB.data() + (q / NR) * kc * NR;
          for (size_t p = 0; p < mc; p += MR) {
            const float* ap = packA.data() + (p / MR) * kc * MR;
            MicroKernel(kc, ap, bp, C + (i0 + p) * ldc + j0 + q, ldc, std::min(MR, mc - p), std::min(NR, nc - q), add);
          }
        }
      }
    }
  }
}

}  // namespace

void SgemmFallback(bool tA, bool tB, size_t M, size_t N, size_t K, const float* A, size_t lda, const float* B, size_t ldb, float* C, size_t ldc, bool accumulate) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    if (!accumulate)
      for (size_t i = 0; i < M; i++) std::memset(C + i * ldc, 0, N * sizeof(float));
    return;
  }
  const int threads = GemmThreads();
  const double flops = 2.0 * static_cast<double>(M) * N * K;
  // Splitting pays only for large products (thread start-up is ~20-50 us).
  size_t parts = threads > 1 && flops >= 4e6 ? std::min<size_t>(threads, (N + NR - 1) / NR) : 1;
  if (parts <= 1) {
    GemmColumns(tA, tB, M, K, A, lda, B, ldb, C, ldc, accumulate, 0, N);
    return;
  }
  const size_t per = ((N + parts - 1) / parts + NR - 1) / NR * NR;
  std::vector<std::thread> pool;
  for (size_t t = 1; t < parts; t++) {
    const size_t jb = t * per;
    if (jb >= N) break;
    const size_t je = std::min(N, jb + per);
    pool.emplace_back([=] { GemmColumns(tA, tB, M, K, A, lda, B, ldb, C, ldc, accumulate, jb, je); });
  }
  GemmColumns(tA, tB, M, K, A, lda, B, ldb, C, ldc, accumulate, 0, std::min(N, per));
  for (auto& th : pool) th.join();
}

}  // namespace vlalign
