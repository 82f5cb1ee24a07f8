// Native bodies of vlalign's fused ops and of a few tfjs kernels, over raw float32/int32 arrays.
// Each one computes exactly what the JS body in @vlalign/core computes (same formulas, same
// float64 statistics), so results agree to float32 rounding.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vlalign {

/** y = exp(x), float32 polynomial (~1 ulp). */
void Exp(const float* x, float* y, size_t n);
/** Softmax over rows of d: y = exp(x - max) / sum. */
void Softmax(const float* x, float* y, size_t rows, size_t d);

/** y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
void Gelu(const float* x, float* y, size_t n);
/** dx = dy * d gelu(x) / dx. */
void GeluGrad(const float* dy, const float* x, float* dx, size_t n);

/** Per row of d: y = (x - mean) / sqrt(var + eps) * gamma + beta (biased variance, float64 stats). */
void LayerNorm(const float* x, const float* gamma, const float* beta, float* y, size_t rows, size_t d, double eps);
/** Gradient of LayerNorm: dx, dgamma (sum over rows of dy * xhat), dbeta (sum over rows of dy). */
void LayerNormGrad(const float* dy, const float* x, const float* gamma, float* dx, float* dgamma, float* dbeta, size_t rows, size_t d, double eps);

/** Hyper-parameters of one AdamW update (core's AdamWUpdateAttrs). */
struct AdamWParams {
  double lr, beta1, beta2, eps, bc1, bc2, decay;
};
/** m' = b1 m + (1-b1) g; v' = b2 v + (1-b2) g^2; p' = p decay - lr/bc1 m' / (sqrt(v')/sqrt(bc2) + eps). */
void AdamW(const float* p, const float* m, const float* v, const float* g, float* pOut, float* mOut, float* vOut, size_t n, const AdamWParams& h);

/**
 * Rows of `x` ([rows, inner] elements of `elemBytes` bytes) picked by `indices`: out[i] = x[indices[i]].
 * Returns the position of the first index outside [0, rows), or -1 when all are valid (out is then complete).
 */
int64_t GatherRows(const uint8_t* x, const int32_t* indices, uint8_t* out, size_t count, size_t rows, size_t innerBytes);

/** out[s] = sum of x[i] over i with ids[i] == s; ids outside [0, segments) are skipped. out is [segments, inner]. */
void SegmentSum(const float* x, const int32_t* ids, float* out, size_t count, size_t segments, size_t inner);

/**
 * out = x.transpose(perm) for 4-byte elements, rank <= 8. When the last axis stays last, rows of
 * shape[last] elements are copied whole.
 */
void Transpose4(const uint32_t* x, uint32_t* out, const size_t* shape, const size_t* perm, size_t rank);

/** out[j] = sum_i x[i, j] over `outer` rows of `inner`, accumulated in float64. */
void SumLeading(const float* x, float* out, size_t outer, size_t inner);

/** Strides (elements) of an additive attention bias over [B, H, T, S]; 0 broadcasts an axis. */
struct BiasStrides {
  size_t b, h, t, s;
};

/**
 * Multi-head attention from the projections, heads split by strides (no transposes):
 * out[B, T, D] = merge_h(softmax(scale q_h k_h^T + bias) v_h), q [B, T, D], k and v [B, S, D],
 * D = H * dh. `bias` may be null.
 */
void MhaForward(const float* q, const float* k, const float* v, const float* bias, const BiasStrides& bs, float* out, size_t B, size_t T, size_t S, size_t H, size_t dh, float scale);
/** Its gradient: dq [B, T, D], dk and dv [B, S, D]; the probabilities are recomputed. */
void MhaBackward(const float* dy, const float* q, const float* k, const float* v, const float* bias, const BiasStrides& bs, float* dq, float* dk, float* dv, size_t B, size_t T, size_t S, size_t H,
                 size_t dh, float scale);

/** out = a + b, element-wise over n floats (same shapes). */
void AddSame(const float* a, const float* b, float* out, size_t n);

}  // namespace vlalign
