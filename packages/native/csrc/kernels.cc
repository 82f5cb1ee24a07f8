#include "kernels.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "simd.h"

namespace vlalign {
namespace {

constexpr float kA = 0.7978845608028654f;  // sqrt(2 / pi)
constexpr float kC = 0.044715f;

// tanh as the odd rational function Eigen and XNNPACK use (core's fastTanh, in float32).
VLALIGN_INLINE float RationalTanh(float u) {
  const float c = u > 7.90531110763549805f ? 7.90531110763549805f : (u < -7.90531110763549805f ? -7.90531110763549805f : u);
  const float z = c * c;
  float p = -2.76076847742355e-16f;
  p = p * z + 2.00018790482477e-13f;
  p = p * z + -8.60467152213735e-11f;
  p = p * z + 5.12229709037114e-08f;
  p = p * z + 1.48572235717979e-05f;
  p = p * z + 6.37261928875436e-04f;
  p = p * z + 4.89352455891786e-03f;
  float q = 1.19825839466702e-06f;
  q = q * z + 1.18534705686654e-04f;
  q = q * z + 2.26843463243900e-03f;
  q = q * z + 4.89352518554385e-03f;
  return c * p / q;
}

// Cephes' expf core: splits x = n ln2 + r (n = round(x / ln2), with the 1.5 * 2^23 trick since
// SSE2 has no vector round) and returns e^r from its polynomial; the caller applies 2^n.
VLALIGN_INLINE float ExpReduced(float x, float* n) {
  const float magic = 12582912.0f;
  *n = (x * 1.44269504088896341f + magic) - magic;
  const float r = x - *n * 0.693359375f + *n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * r * r + r + 1.0f;
}

// exp(x) for x <= 0 (Cephes' expf polynomial, ~1 ulp), branch-free so loops vectorise.
VLALIGN_INLINE float ExpNonPositive(float x) {
  x = x < -87.0f ? -87.0f : x;
  float n;
  const float p = ExpReduced(x, &n);
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// exp(x) over the whole float range, branch-free: inf above 88.72, 0 below -87.34 (where results
// would be subnormal), NaN kept. 2^n is applied as two normal halves so n may reach 128.
VLALIGN_INLINE float ExpF(float x) {
  const float c = x > 88.7228f ? 88.7228f : (x < -87.3365f ? -87.3365f : x);
  float n;
  const float p = ExpReduced(c, &n);
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t half = ni / 2;
  const int32_t b1 = (half + 127) << 23, b2 = (ni - half + 127) << 23;
  float s1, s2;
  std::memcpy(&s1, &b1, sizeof s1);
  std::memcpy(&s2, &b2, sizeof s2);
  float y = p * s1 * s2;
  y = x > 88.7228f ? __builtin_inff() : y;
  y = x < -87.3365f ? 0.0f : y;
  return x != x ? x : y;
}

}  // namespace

VLALIGN_CLONES
void Exp(const float* __restrict x, float* __restrict y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = ExpF(x[i]);
}

VLALIGN_CLONES
void Softmax(const float* __restrict x, float* __restrict y, size_t rows, size_t d) {
  for (size_t r = 0; r < rows; r++) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    float m = xr[0];
    for (size_t j = 1; j < d; j++) m = xr[j] > m ? xr[j] : m;
    float part[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 16 <= d; j += 16)
      for (size_t u = 0; u < 16; u++) {
        const float e = ExpF(xr[j + u] - m);
        yr[j + u] = e;
        part[u] += e;
      }
    float sum = 0;
    for (; j < d; j++) {
      const float e = ExpF(xr[j] - m);
      yr[j] = e;
      sum += e;
    }
    for (size_t u = 0; u < 16; u++) sum += part[u];
    const float inv = 1.0f / sum;
    for (size_t k = 0; k < d; k++) yr[k] *= inv;
  }
}

VLALIGN_CLONES
void Gelu(const float* __restrict x, float* __restrict y, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    y[i] = 0.5f * v * (1.0f + RationalTanh(kA * (v + kC * v * v * v)));
  }
}

VLALIGN_CLONES
void GeluGrad(const float* __restrict dy, const float* __restrict x, float* __restrict dx, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    const float v2 = v * v;
    const float u = kA * v * (1.0f + kC * v2);
    // tanh and sech^2 from e = exp(-2|u|) <= 1: no overflow, and sech^2 = 4e / (1 + e)^2 keeps its
    // digits near saturation, where 1 - tanh^2 would cancel (and is multiplied by a large x here).
    const float a = u < 0.0f ? -u : u;
    const float e = ExpNonPositive(-2.0f * (a > 20.0f ? 20.0f : a));
    const float inv = 1.0f / (1.0f + e);
    const float tAbs = (1.0f - e) * inv;
    const float t = u < 0.0f ? -tAbs : tAbs;
    const float sech2 = 4.0f * e * inv * inv;
    dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * v * sech2 * kA * (1.0f + 3.0f * kC * v2));
  }
}

namespace {
// Sum of x[0..d) in float64 with 8 independent partial sums: no reassociation is needed to
// vectorise it, so the result does not depend on compiler flags.
VLALIGN_INLINE double SumF64(const float* __restrict x, size_t d) {
  double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t j = 0;
  for (; j + 8 <= d; j += 8)
    for (size_t u = 0; u < 8; u++) part[u] += x[j + u];
  double s = 0;
  for (; j < d; j++) s += x[j];
  for (size_t u = 0; u < 8; u++) s += part[u];
  return s;
}

VLALIGN_INLINE double SquaredDeviationF64(const float* __restrict x, size_t d, double mean) {
  double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t j = 0;
  for (; j + 8 <= d; j += 8)
    for (size_t u = 0; u < 8; u++) {
      const double c = x[j + u] - mean;
      part[u] += c * c;
    }
  double s = 0;
  for (; j < d; j++) {
    const double c = x[j] - mean;
    s += c * c;
  }
  for (size_t u = 0; u < 8; u++) s += part[u];
  return s;
}

// Per-row mean and 1/sqrt(var + eps), two passes in float64 (no E[x^2] - E[x]^2 cancellation).
VLALIGN_INLINE void RowStats(const float* x, size_t d, double eps, double* mean, double* rstd) {
  const double m = SumF64(x, d) / static_cast<double>(d);
  *mean = m;
  *rstd = 1.0 / std::sqrt(SquaredDeviationF64(x, d, m) / static_cast<double>(d) + eps);
}
}  // namespace

VLALIGN_CLONES
void LayerNorm(const float* __restrict x, const float* __restrict gamma, const float* __restrict beta, float* __restrict y, size_t rows, size_t d, double eps) {
  for (size_t r = 0; r < rows; r++) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    double mean, rstd;
    RowStats(xr, d, eps, &mean, &rstd);
    const float m = static_cast<float>(mean);
    const float s = static_cast<float>(rstd);
    for (size_t j = 0; j < d; j++) yr[j] = (xr[j] - m) * s * gamma[j] + beta[j];
  }
}

VLALIGN_CLONES
void LayerNormGrad(const float* __restrict dy, const float* __restrict x, const float* __restrict gamma, float* __restrict dx, float* __restrict dgamma, float* __restrict dbeta, size_t rows,
                   size_t d, double eps) {
  std::vector<double> dgv(d, 0.0), dbv(d, 0.0);
  std::vector<float> xhv(d), gv(d);
  double* __restrict dg = dgv.data();
  double* __restrict db = dbv.data();
  float* __restrict xh = xhv.data();
  float* __restrict g = gv.data();
  for (size_t r = 0; r < rows; r++) {
    const float* xr = x + r * d;
    const float* dyr = dy + r * d;
    float* dxr = dx + r * d;
    double mean, rstd;
    RowStats(xr, d, eps, &mean, &rstd);
    const float m = static_cast<float>(mean);
    const float s = static_cast<float>(rstd);
    for (size_t j = 0; j < d; j++) {
      xh[j] = (xr[j] - m) * s;
      g[j] = dyr[j] * gamma[j];
      dg[j] += static_cast<double>(dyr[j]) * xh[j];
      db[j] += dyr[j];
    }
    double sg[8] = {0, 0, 0, 0, 0, 0, 0, 0}, sgx[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= d; j += 8)
      for (size_t u = 0; u < 8; u++) {
        sg[u] += g[j + u];
        sgx[u] += static_cast<double>(g[j + u]) * xh[j + u];
      }
    double tg = 0, tgx = 0;
    for (; j < d; j++) {
      tg += g[j];
      tgx += static_cast<double>(g[j]) * xh[j];
    }
    for (size_t u = 0; u < 8; u++) {
      tg += sg[u];
      tgx += sgx[u];
    }
    const float msg = static_cast<float>(tg / static_cast<double>(d));
    const float msgx = static_cast<float>(tgx / static_cast<double>(d));
    for (size_t k = 0; k < d; k++) dxr[k] = s * (g[k] - msg - xh[k] * msgx);
  }
  for (size_t j = 0; j < d; j++) {
    dgamma[j] = static_cast<float>(dg[j]);
    dbeta[j] = static_cast<float>(db[j]);
  }
}

VLALIGN_CLONES
void AdamW(const float* __restrict p, const float* __restrict m, const float* __restrict v, const float* __restrict g, float* __restrict pOut, float* __restrict mOut,
           float* __restrict vOut, size_t n, const AdamWParams& h) {
  const double c1 = 1 - h.beta1, c2 = 1 - h.beta2, b1 = h.beta1, b2 = h.beta2;
  const double sqrtBc2 = std::sqrt(h.bc2);
  const double stepSize = h.lr / h.bc1;
  const double decay = h.decay, eps = h.eps;
  for (size_t i = 0; i < n; i++) {
    const double gi = g[i];
    const float mi = static_cast<float>(b1 * m[i] + c1 * gi);
    const float vi = static_cast<float>(b2 * v[i] + c2 * gi * gi);
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = static_cast<float>(p[i] * decay - (mi / (std::sqrt(static_cast<double>(vi)) / sqrtBc2 + eps)) * stepSize);
  }
}

int64_t GatherRows(const uint8_t* x, const int32_t* indices, uint8_t* out, size_t count, size_t rows, size_t innerBytes) {
  for (size_t i = 0; i < count; i++) {
    const int32_t r = indices[i];
    if (r < 0 || static_cast<size_t>(r) >= rows) return static_cast<int64_t>(i);
  }
  for (size_t i = 0; i < count; i++) std::memcpy(out + i * innerBytes, x + static_cast<size_t>(indices[i]) * innerBytes, innerBytes);
  return -1;
}

void SegmentSum(const float* x, const int32_t* ids, float* out, size_t count, size_t segments, size_t inner) {
  std::memset(out, 0, segments * inner * sizeof(float));
  for (size_t i = 0; i < count; i++) {
    const int32_t s = ids[i];
    if (s < 0 || static_cast<size_t>(s) >= segments) continue;
    const float* src = x + i * inner;
    float* dst = out + static_cast<size_t>(s) * inner;
    for (size_t j = 0; j < inner; j++) dst[j] += src[j];
  }
}

void Transpose4(const uint32_t* x, uint32_t* out, const size_t* shape, const size_t* perm, size_t rank) {
  size_t inStride[8], outShape[8], step[8], idx[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t total = 1;
  for (size_t d = rank; d-- > 0;) {
    inStride[d] = total;
    total *= shape[d];
  }
  if (total == 0) return;
  for (size_t d = 0; d < rank; d++) {
    outShape[d] = shape[perm[d]];
    step[d] = inStride[perm[d]];  // input elements per step along output axis d
  }
  // Copy whole rows when the last axis is unchanged; else one element at a time.
  const bool rowsCopy = perm[rank - 1] == rank - 1;
  const size_t run = rowsCopy ? outShape[rank - 1] : 1;
  const size_t outer = rowsCopy ? rank - 1 : rank;
  size_t src = 0;
  for (size_t o = 0; o < total; o += run) {
    if (rowsCopy)
      std::memcpy(out + o, x + src, run * sizeof(uint32_t));
    else
      out[o] = x[src];
    // Advance the output multi-index over the first `outer` axes, updating the input offset.
    for (size_t d = outer; d-- > 0;) {
      if (++idx[d] < outShape[d]) {
        src += step[d];
        break;
      }
      src -= step[d] * (outShape[d] - 1);
      idx[d] = 0;
    }
  }
}

VLALIGN_CLONES
void SumLeading(const float* __restrict x, float* __restrict out, size_t outer, size_t inner) {
  std::vector<double> acc(inner, 0.0);
  double* a = acc.data();
  for (size_t i = 0; i < outer; i++) {
    const float* row = x + i * inner;
    for (size_t j = 0; j < inner; j++) a[j] += row[j];
  }
  for (size_t j = 0; j < inner; j++) out[j] = static_cast<float>(a[j]);
}

namespace {

// p[T, S] holds q k^T; makes it softmax(scale p + bias) row by row, in place (the order of core's
// JS composite: scale, add the bias, then a max-subtracted softmax).
VLALIGN_CLONES
void ScaleBiasSoftmax(float* __restrict p, const float* bias, const BiasStrides& bs, size_t b, size_t h, size_t T, size_t S, float scale) {
  for (size_t t = 0; t < T; t++) {
    float* row = p + t * S;
    if (bias) {
      const float* br = bias + b * bs.b + h * bs.h + t * bs.t;
      for (size_t j = 0; j < S; j++) row[j] = row[j] * scale + br[j * bs.s];
    } else {
      for (size_t j = 0; j < S; j++) row[j] *= scale;
    }
    float m = row[0];
    for (size_t j = 1; j < S; j++) m = row[j] > m ? row[j] : m;
    float sum = 0;
    for (size_t j = 0; j < S; j++) {
      const float e = ExpF(row[j] - m);
      row[j] = e;
      sum += e;
    }
    const float inv = 1.0f / sum;
    for (size_t j = 0; j < S; j++) row[j] *= inv;
  }
}

// ds = scale * p * (dp - rowsum(dp * p)), in place over dp[T, S].
VLALIGN_CLONES
void SoftmaxBackward(const float* __restrict p, float* __restrict dp, size_t T, size_t S, float scale) {
  for (size_t t = 0; t < T; t++) {
    const float* pr = p + t * S;
    float* gr = dp + t * S;
    float dot = 0;
    for (size_t j = 0; j < S; j++) dot += gr[j] * pr[j];
    for (size_t j = 0; j < S; j++) gr[j] = scale * pr[j] * (gr[j] - dot);
  }
}

}  // namespace

void MhaForward(const float* q, const float* k, const float* v, const float* bias, const BiasStrides& bs, float* out, size_t B, size_t T, size_t S, size_t H, size_t dh, float scale) {
  const size_t D = H * dh;
  std::vector<float> p(T * S);
  for (size_t b = 0; b < B; b++)
    for (size_t h = 0; h < H; h++) {
      const float* qb = q + b * T * D + h * dh;
      const float* kb = k + b * S * D + h * dh;
      const float* vb = v + b * S * D + h * dh;
      Sgemm(false, true, T, S, dh, qb, D, kb, D, p.data(), S, false);
      ScaleBiasSoftmax(p.data(), bias, bs, b, h, T, S, scale);
      Sgemm(false, false, T, dh, S, p.data(), S, vb, D, out + b * T * D + h * dh, D, false);
    }
}

void MhaBackward(const float* dy, const float* q, const float* k, const float* v, const float* bias, const BiasStrides& bs, float* dq, float* dk, float* dv, size_t B, size_t T, size_t S, size_t H,
                 size_t dh, float scale) {
  const size_t D = H * dh;
  std::vector<float> p(T * S), dp(T * S);
  for (size_t b = 0; b < B; b++)
    for (size_t h = 0; h < H; h++) {
      const size_t qo = b * T * D + h * dh, ko = b * S * D + h * dh;
      Sgemm(false, true, T, S, dh, q + qo, D, k + ko, D, p.data(), S, false);
      ScaleBiasSoftmax(p.data(), bias, bs, b, h, T, S, scale);
      Sgemm(true, false, S, dh, T, p.data(), S, dy + qo, D, dv + ko, D, false);       // dv = p^T dO
      Sgemm(false, true, T, S, dh, dy + qo, D, v + ko, D, dp.data(), S, false);       // dp = dO v^T
      SoftmaxBackward(p.data(), dp.data(), T, S, scale);                              // ds (scaled)
      Sgemm(false, false, T, dh, S, dp.data(), S, k + ko, D, dq + qo, D, false);      // dq = ds k
      Sgemm(true, false, S, dh, T, dp.data(), S, q + qo, D, dk + ko, D, false);       // dk = ds^T q
    }
}

VLALIGN_CLONES
void AddSame(const float* a, const float* b, float* out, size_t n) {
  // a, b and out may alias (x + x, or an output written over an input): no __restrict here.
  for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

}  // namespace vlalign
