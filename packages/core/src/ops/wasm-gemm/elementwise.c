// Element-wise kernels of vlalign's fused ops (GELU and its gradient, the AdamW update) in wasm
// SIMD. The same V8 loops in JS cost 9-20 ns per element; these run at memory speed. They are built
// into the non-shared module that imports tfjs's own wasm memory, so they read and write tensors in
// place (offsets, no copies). Like gemm.c they use no shadow stack and no data segment, so running
// on tfjs's memory touches nothing but the buffers passed in.
#include <wasm_simd128.h>

#define SQRT_2_OVER_PI 0.7978845608028654f
#define GELU_C 0.044715f
#define TANH_CLAMP 7.90531110763549805f

// tanh as the odd rational function Eigen and XNNPACK use for float32 (max error a few ulp).
static inline v128_t tanh_rational(v128_t u) {
  const v128_t c = wasm_f32x4_min(wasm_f32x4_max(u, wasm_f32x4_splat(-TANH_CLAMP)), wasm_f32x4_splat(TANH_CLAMP));
  const v128_t z = wasm_f32x4_mul(c, c);
  v128_t p = wasm_f32x4_splat(-2.76076847742355e-16f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(2.00018790482477e-13f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(-8.60467152213735e-11f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(5.12229709037114e-08f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(1.48572235717979e-05f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(6.37261928875436e-04f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(4.89352455891786e-03f));
  p = wasm_f32x4_mul(p, c);
  v128_t q = wasm_f32x4_splat(1.19825839466702e-06f);
  q = wasm_f32x4_add(wasm_f32x4_mul(q, z), wasm_f32x4_splat(1.18534705686654e-04f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, z), wasm_f32x4_splat(2.26843463243900e-03f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, z), wasm_f32x4_splat(4.89352518554385e-03f));
  return wasm_f32x4_div(p, q);
}

// exp(x) for x in [-88, 0]: x = n ln2 + r (Cody-Waite), exp(r) by a degree-6 Taylor polynomial
// (|r| <= ln2 / 2, error < 2e-7 relative), scaled by 2^n through the exponent bits.
static inline v128_t exp_nonpositive(v128_t x) {
  x = wasm_f32x4_max(x, wasm_f32x4_splat(-87.0f));
  const v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.4426950408889634f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.0f / 720.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 120.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 24.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 6.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  const v128_t bits = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, bits);
}

static inline v128_t gelu_arg(v128_t x) {
  const v128_t x2 = wasm_f32x4_mul(x, x);
  return wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_splat(SQRT_2_OVER_PI), x), wasm_f32x4_add(wasm_f32x4_splat(1.0f), wasm_f32x4_mul(wasm_f32x4_splat(GELU_C), x2)));
}

// y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))); n a multiple of 4 is not required.
__attribute__((export_name("gelu_fwd"))) void gelu_fwd(const float *x, float *y, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    const v128_t t = tanh_rational(gelu_arg(v));
    wasm_v128_store(y + i, wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_splat(0.5f), v), wasm_f32x4_add(wasm_f32x4_splat(1.0f), t)));
  }
  for (; i < n; i++) {
    const v128_t v = wasm_f32x4_splat(x[i]);
    const v128_t t = tanh_rational(gelu_arg(v));
    y[i] = wasm_f32x4_extract_lane(wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_splat(0.5f), v), wasm_f32x4_add(wasm_f32x4_splat(1.0f), t)), 0);
  }
}

// dx = dy (0.5 (1 + t) + 0.5 x sech^2(u) sqrt(2/pi) (1 + 3 0.044715 x^2)). Near saturation 1 - t^2
// from an approximate t loses its digits (and is multiplied by a large x), so for |u| >= 1 it uses
// t = sign(u) (1 - e) / (1 + e), sech^2 = 4 e / (1 + e)^2 with e = exp(-2 |u|).
static inline v128_t gelu_grad4(v128_t dy, v128_t v) {
  const v128_t u = gelu_arg(v);
  const v128_t au = wasm_f32x4_abs(u);
  const v128_t small = wasm_f32x4_lt(au, wasm_f32x4_splat(1.0f));
  const v128_t ts = tanh_rational(u);
  const v128_t s2s = wasm_f32x4_sub(wasm_f32x4_splat(1.0f), wasm_f32x4_mul(ts, ts));
  const v128_t e = exp_nonpositive(wasm_f32x4_mul(wasm_f32x4_splat(-2.0f), au));
  const v128_t ope = wasm_f32x4_add(wasm_f32x4_splat(1.0f), e);
  const v128_t tl_abs = wasm_f32x4_div(wasm_f32x4_sub(wasm_f32x4_splat(1.0f), e), ope);
  const v128_t sign = wasm_v128_and(u, wasm_i32x4_splat((int)0x80000000));
  const v128_t tl = wasm_v128_or(tl_abs, sign);
  const v128_t s2l = wasm_f32x4_div(wasm_f32x4_mul(wasm_f32x4_splat(4.0f), e), wasm_f32x4_mul(ope, ope));
  const v128_t t = wasm_v128_bitselect(ts, tl, small);
  const v128_t s2 = wasm_v128_bitselect(s2s, s2l, small);
  const v128_t x2 = wasm_f32x4_mul(v, v);
  const v128_t du = wasm_f32x4_mul(wasm_f32x4_splat(SQRT_2_OVER_PI), wasm_f32x4_add(wasm_f32x4_splat(1.0f), wasm_f32x4_mul(wasm_f32x4_splat(3.0f * GELU_C), x2)));
  const v128_t g = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(0.5f), wasm_f32x4_add(wasm_f32x4_splat(1.0f), t)),
                                  wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_splat(0.5f), v), s2), du));
  return wasm_f32x4_mul(dy, g);
}

__attribute__((export_name("gelu_bwd"))) void gelu_bwd(const float *dy, const float *x, float *dx, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(dx + i, gelu_grad4(wasm_v128_load(dy + i), wasm_v128_load(x + i)));
  for (; i < n; i++) dx[i] = wasm_f32x4_extract_lane(gelu_grad4(wasm_f32x4_splat(dy[i]), wasm_f32x4_splat(x[i])), 0);
}

static inline void adamw4(const float *p, const float *m, const float *v, const float *g, float *po, float *mo, float *vo, v128_t b1, v128_t c1,
                          v128_t b2, v128_t c2, v128_t inv_sqrt_bc2, v128_t eps, v128_t step, v128_t decay) {
  const v128_t gi = wasm_v128_load(g);
  const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(b1, wasm_v128_load(m)), wasm_f32x4_mul(c1, gi));
  const v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(b2, wasm_v128_load(v)), wasm_f32x4_mul(wasm_f32x4_mul(c2, gi), gi));
  const v128_t denom = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_sqrt(vi), inv_sqrt_bc2), eps);
  wasm_v128_store(mo, mi);
  wasm_v128_store(vo, vi);
  wasm_v128_store(po, wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(p), decay), wasm_f32x4_mul(wasm_f32x4_div(mi, denom), step)));
}

// m' = b1 m + (1 - b1) g; v' = b2 v + (1 - b2) g^2; p' = p decay - step m' / (sqrt(v') / sqrt(bc2) + eps).
__attribute__((export_name("adamw"))) void adamw(const float *p, const float *m, const float *v, const float *g, float *po, float *mo, float *vo,
                                                 int n, float beta1, float beta2, float eps, float inv_sqrt_bc2, float step, float decay) {
  const v128_t b1 = wasm_f32x4_splat(beta1), c1 = wasm_f32x4_splat(1.0f - beta1);
  const v128_t b2 = wasm_f32x4_splat(beta2), c2 = wasm_f32x4_splat(1.0f - beta2);
  const v128_t is = wasm_f32x4_splat(inv_sqrt_bc2), ep = wasm_f32x4_splat(eps), st = wasm_f32x4_splat(step), de = wasm_f32x4_splat(decay);
  int i = 0;
  for (; i + 4 <= n; i += 4) adamw4(p + i, m + i, v + i, g + i, po + i, mo + i, vo + i, b1, c1, b2, c2, is, ep, st, de);
  for (; i < n; i++) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + (1.0f - beta1) * gi;
    const float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
    mo[i] = mi;
    vo[i] = vi;
    po[i] = p[i] * decay - mi / (__builtin_sqrtf(vi) * inv_sqrt_bc2 + eps) * step;
  }
}

static inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

// Row mean and 1 / sqrt(var + eps), two passes (no E[x^2] - E[x]^2 cancellation).
static inline void row_stats(const float *x, int d, float eps, float *mean_out, float *rstd_out) {
  v128_t s = wasm_f32x4_splat(0.0f);
  int j = 0;
  for (; j + 4 <= d; j += 4) s = wasm_f32x4_add(s, wasm_v128_load(x + j));
  float sum = hsum(s);
  for (; j < d; j++) sum += x[j];
  const float mean = sum / (float)d;
  const v128_t mv = wasm_f32x4_splat(mean);
  v128_t q = wasm_f32x4_splat(0.0f);
  j = 0;
  for (; j + 4 <= d; j += 4) {
    const v128_t c = wasm_f32x4_sub(wasm_v128_load(x + j), mv);
    q = wasm_f32x4_add(q, wasm_f32x4_mul(c, c));
  }
  float var = hsum(q);
  for (; j < d; j++) var += (x[j] - mean) * (x[j] - mean);
  *mean_out = mean;
  *rstd_out = 1.0f / __builtin_sqrtf(var / (float)d + eps);
}

// y = (x - mean) rstd gamma + beta per row of d values.
__attribute__((export_name("layer_norm_fwd"))) void layer_norm_fwd(const float *x, const float *gamma, const float *beta, float *y, int rows, int d, float eps) {
  for (int r = 0; r < rows; r++, x += d, y += d) {
    float mean, rstd;
    row_stats(x, d, eps, &mean, &rstd);
    const v128_t mv = wasm_f32x4_splat(mean), rv = wasm_f32x4_splat(rstd);
    int j = 0;
    for (; j + 4 <= d; j += 4)
      wasm_v128_store(y + j, wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + j), mv), rv), wasm_v128_load(gamma + j)), wasm_v128_load(beta + j)));
    for (; j < d; j++) y[j] = (x[j] - mean) * rstd * gamma[j] + beta[j];
  }
}

// dx = rstd (dy gamma - mean_j(dy gamma) - xhat mean_j(dy gamma xhat)); dgamma = sum_rows dy xhat;
// dbeta = sum_rows dy (both overwritten).
__attribute__((export_name("layer_norm_bwd"))) void layer_norm_bwd(const float *dy, const float *x, const float *gamma, float *dx, float *dgamma, float *dbeta, int rows, int d, float eps) {
  for (int j = 0; j < d; j++) dgamma[j] = dbeta[j] = 0.0f;
  for (int r = 0; r < rows; r++, x += d, dy += d, dx += d) {
    float mean, rstd;
    row_stats(x, d, eps, &mean, &rstd);
    const v128_t mv = wasm_f32x4_splat(mean), rv = wasm_f32x4_splat(rstd);
    v128_t sg = wasm_f32x4_splat(0.0f), sgx = wasm_f32x4_splat(0.0f);
    int j = 0;
    for (; j + 4 <= d; j += 4) {
      const v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + j), mv), rv);
      const v128_t dyj = wasm_v128_load(dy + j);
      const v128_t g = wasm_f32x4_mul(dyj, wasm_v128_load(gamma + j));
      sg = wasm_f32x4_add(sg, g);
      sgx = wasm_f32x4_add(sgx, wasm_f32x4_mul(g, xh));
      wasm_v128_store(dgamma + j, wasm_f32x4_add(wasm_v128_load(dgamma + j), wasm_f32x4_mul(dyj, xh)));
      wasm_v128_store(dbeta + j, wasm_f32x4_add(wasm_v128_load(dbeta + j), dyj));
    }
    float s1 = hsum(sg), s2 = hsum(sgx);
    for (; j < d; j++) {
      const float xh = (x[j] - mean) * rstd;
      const float g = dy[j] * gamma[j];
      s1 += g;
      s2 += g * xh;
      dgamma[j] += dy[j] * xh;
      dbeta[j] += dy[j];
    }
    s1 /= (float)d;
    s2 /= (float)d;
    const v128_t s1v = wasm_f32x4_splat(s1), s2v = wasm_f32x4_splat(s2);
    j = 0;
    for (; j + 4 <= d; j += 4) {
      const v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + j), mv), rv);
      const v128_t g = wasm_f32x4_mul(wasm_v128_load(dy + j), wasm_v128_load(gamma + j));
      wasm_v128_store(dx + j, wasm_f32x4_mul(rv, wasm_f32x4_sub(wasm_f32x4_sub(g, s1v), wasm_f32x4_mul(xh, s2v))));
    }
    for (; j < d; j++) {
      const float xh = (x[j] - mean) * rstd;
      dx[j] = rstd * (dy[j] * gamma[j] - s1 - xh * s2);
    }
  }
}

// Softmax cross-entropy, per row of V logits: the row's max and sum(exp(x - max)) (the caller takes
// the log in JS: wasm has no log instruction and only N values need one).
__attribute__((export_name("ce_rows"))) void ce_rows(const float *x, float *max_out, float *sum_out, int rows, int V) {
  for (int r = 0; r < rows; r++, x += V) {
    v128_t mv = wasm_f32x4_splat(-3.402823466e38f);
    int j = 0;
    for (; j + 4 <= V; j += 4) mv = wasm_f32x4_max(mv, wasm_v128_load(x + j));
    float m = wasm_f32x4_extract_lane(mv, 0);
    for (int l = 1; l < 4; l++) {
      const float e = l == 1 ? wasm_f32x4_extract_lane(mv, 1) : l == 2 ? wasm_f32x4_extract_lane(mv, 2) : wasm_f32x4_extract_lane(mv, 3);
      m = e > m ? e : m;
    }
    for (; j < V; j++) m = x[j] > m ? x[j] : m;
    const v128_t ms = wasm_f32x4_splat(m);
    v128_t s = wasm_f32x4_splat(0.0f);
    j = 0;
    for (; j + 4 <= V; j += 4) s = wasm_f32x4_add(s, exp_nonpositive(wasm_f32x4_sub(wasm_v128_load(x + j), ms)));
    float sum = hsum(s);
    for (; j < V; j++) sum += wasm_f32x4_extract_lane(exp_nonpositive(wasm_f32x4_splat(x[j] - m)), 0);
    max_out[r] = m;
    sum_out[r] = sum;
  }
}

// dx = (exp(x - lse) - onehot(label)) * dy * keep per row (label given as a float).
__attribute__((export_name("ce_grad"))) void ce_grad(const float *x, const float *lse, const float *label, const float *dy, const float *keep, float *dx, int rows, int V) {
  for (int r = 0; r < rows; r++, x += V, dx += V) {
    const float sc = dy[r] * keep[r];
    const v128_t l = wasm_f32x4_splat(lse[r]), sv = wasm_f32x4_splat(sc);
    int j = 0;
    for (; j + 4 <= V; j += 4) wasm_v128_store(dx + j, wasm_f32x4_mul(exp_nonpositive(wasm_f32x4_sub(wasm_v128_load(x + j), l)), sv));
    for (; j < V; j++) dx[j] = wasm_f32x4_extract_lane(exp_nonpositive(wasm_f32x4_splat(x[j] - lse[r])), 0) * sc;
    dx[(int)label[r]] -= sc;
  }
}
