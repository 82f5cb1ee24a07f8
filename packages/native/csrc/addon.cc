// Node-API entry points. Every function takes the live wasm heap ArrayBuffer first, then byte
// offsets and sizes; it validates all of them against the heap before touching memory, runs
// synchronously and keeps nothing afterwards.
#include <node_api.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "float-mode.h"
#include "gemm.h"
#include "heap.h"
#include "kernels.h"

namespace vlalign {
namespace {

constexpr size_t kMaxArgs = 20;

struct Args {
  napi_value v[kMaxArgs];
  size_t n = kMaxArgs;
};

bool GetArgs(napi_env env, napi_callback_info info, Args* a, size_t need, const char* fn) {
  a->n = kMaxArgs;
  if (napi_get_cb_info(env, info, &a->n, a->v, nullptr, nullptr) != napi_ok) return false;
  if (a->n < need) {
    ThrowRange(env, (std::string(fn) + ": expected " + std::to_string(need) + " arguments, got " + std::to_string(a->n)).c_str());
    return false;
  }
  return true;
}

napi_value Undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// Optional Int32Array of batch indices (general broadcasting); `data` stays null when absent.
bool GetIndexArray(napi_env env, napi_value value, size_t expected, const char* name, const int32_t** data) {
  *data = nullptr;
  napi_valuetype type;
  napi_typeof(env, value, &type);
  if (type == napi_undefined || type == napi_null) return true;
  bool is_ta = false;
  napi_is_typedarray(env, value, &is_ta);
  napi_typedarray_type ta_type;
  size_t length = 0;
  void* ptr = nullptr;
  if (!is_ta || napi_get_typedarray_info(env, value, &ta_type, &length, &ptr, nullptr, nullptr) != napi_ok || ta_type != napi_int32_array) {
    ThrowRange(env, (std::string(name) + ": expected an Int32Array").c_str());
    return false;
  }
  if (length != expected) {
    ThrowRange(env, (std::string(name) + ": expected " + std::to_string(expected) + " batch indices").c_str());
    return false;
  }
  *data = static_cast<const int32_t*>(ptr);
  return true;
}

// sgemm(heap, aOff, bOff, cOff, batch, M, N, K, tA, tB, aStride, bStride, biasOff, aIdx?, bIdx?)
// C[i] = op(A[ai]) op(B[bi]) (+ bias[N] on every row), for i < batch, with ai = aIdx ? aIdx[i] : i
// and A's batch ai at element aStride * ai (stride 0 broadcasts one matrix); C is contiguous.
napi_value SgemmFn(napi_env env, napi_callback_info info) {
  Args a;
  if (!GetArgs(env, info, &a, 13, "sgemm")) return nullptr;
  Heap heap;
  size_t aOff, bOff, cOff, batch, M, N, K, aStride, bStride;
  bool tA, tB;
  int64_t biasOff;
  if (!GetHeap(env, a.v[0], &heap) || !GetIndex(env, a.v[1], "aOffset", &aOff) || !GetIndex(env, a.v[2], "bOffset", &bOff) || !GetIndex(env, a.v[3], "cOffset", &cOff) ||
      !GetIndex(env, a.v[4], "batch", &batch) || !GetIndex(env, a.v[5], "M", &M) || !GetIndex(env, a.v[6], "N", &N) || !GetIndex(env, a.v[7], "K", &K) ||
      !GetBool(env, a.v[8], "transposeA", &tA) || !GetBool(env, a.v[9], "transposeB", &tB) || !GetIndex(env, a.v[10], "aStride", &aStride) ||
      !GetIndex(env, a.v[11], "bStride", &bStride) || !GetInt(env, a.v[12], "biasOffset", &biasOff))
    return nullptr;
  const int32_t* aIdx = nullptr;
  const int32_t* bIdx = nullptr;
  if (a.n > 13 && !GetIndexArray(env, a.v[13], batch, "aIndex", &aIdx)) return nullptr;
  if (a.n > 14 && !GetIndexArray(env, a.v[14], batch, "bIndex", &bIdx)) return nullptr;
  if (batch == 0 || M == 0 || N == 0) return Undefined(env);
  size_t mk, kn, mn, cCount;
  if (!MulSize(M, K, &mk) || !MulSize(K, N, &kn) || !MulSize(M, N, &mn) || !MulSize(mn, batch, &cCount)) {
    ThrowRange(env, "sgemm: sizes overflow");
    return nullptr;
  }
  // Highest batch index each operand is read at, to bound-check its whole extent at once.
  size_t aMax = batch - 1, bMax = batch - 1;
  if (aIdx) {
    aMax = 0;
    for (size_t i = 0; i < batch; i++) {
      if (aIdx[i] < 0) return ThrowRange(env, "sgemm: negative aIndex"), nullptr;
      aMax = std::max(aMax, static_cast<size_t>(aIdx[i]));
    }
  }
  if (bIdx) {
    bMax = 0;
    for (size_t i = 0; i < batch; i++) {
      if (bIdx[i] < 0) return ThrowRange(env, "sgemm: negative bIndex"), nullptr;
      bMax = std::max(bMax, static_cast<size_t>(bIdx[i]));
    }
  }
  size_t aSpan, bSpan;
  if (!MulSize(aStride, aMax, &aSpan) || !MulSize(bStride, bMax, &bSpan) || aSpan + mk < aSpan || bSpan + kn < bSpan) {
    ThrowRange(env, "sgemm: operand extent overflows");
    return nullptr;
  }
  const float* A = F32(env, heap, aOff, aSpan + mk, "sgemm A");
  if (!A) return nullptr;
  const float* B = F32(env, heap, bOff, bSpan + kn, "sgemm B");
  if (!B) return nullptr;
  float* C = F32(env, heap, cOff, cCount, "sgemm C");
  if (!C) return nullptr;
  const float* bias = nullptr;
  if (biasOff >= 0) {
    bias = F32(env, heap, static_cast<size_t>(biasOff), N, "sgemm bias");
    if (!bias) return nullptr;
  }
  const size_t lda = tA ? M : K;
  const size_t ldb = tB ? K : N;
  FlushDenormals scope;
  for (size_t i = 0; i < batch; i++) {
    const float* Ai = A + aStride * (aIdx ? static_cast<size_t>(aIdx[i]) : i);
    const float* Bi = B + bStride * (bIdx ? static_cast<size_t>(bIdx[i]) : i);
    float* Ci = C + i * mn;
    if (bias)
      for (size_t r = 0; r < M; r++) std::copy(bias, bias + N, Ci + r * N);
    Sgemm(tA, tB, M, N, K, Ai, lda, Bi, ldb, Ci, N, bias != nullptr);
  }
  return Undefined(env);
}



// The elementwise entry points share one layout: (heap, inputOffset..., outputOffset, n), every
// operand n floats. One reader keeps their validation identical; `names` label the operands in errors.
using UnaryKernel = void (*)(const float*, float*, size_t);
using BinaryKernel = void (*)(const float*, const float*, float*, size_t);

napi_value Elementwise(napi_env env, napi_callback_info info, const char* fn, const char* const* names, UnaryKernel unary, BinaryKernel binary) {
  const size_t inputs = unary ? 1 : 2;
  Args a;
  if (!GetArgs(env, info, &a, inputs + 3, fn)) return nullptr;
  Heap heap;
  size_t off[3], n;
  if (!GetHeap(env, a.v[0], &heap)) return nullptr;
  for (size_t i = 0; i <= inputs; i++)
    if (!GetIndex(env, a.v[1 + i], names[i], &off[i])) return nullptr;
  if (!GetIndex(env, a.v[inputs + 2], "n", &n)) return nullptr;
  float* ptr[3] = {nullptr, nullptr, nullptr};
  for (size_t i = 0; i <= inputs; i++)
    if (!(ptr[i] = F32(env, heap, off[i], n, names[i]))) return nullptr;
  FlushDenormals scope;
  if (unary)
    unary(ptr[0], ptr[1], n);
  else
    binary(ptr[0], ptr[1], ptr[2], n);
  return Undefined(env);
}

// gelu(heap, xOff, yOff, n)
napi_value GeluFn(napi_env env, napi_callback_info info) {
  static const char* const names[] = {"gelu x", "gelu y"};
  return Elementwise(env, info, "gelu", names, Gelu, nullptr);
}

// exp(heap, xOff, yOff, n)
napi_value ExpFn(napi_env env, napi_callback_info info) {
  static const char* const names[] = {"exp x", "exp y"};
  return Elementwise(env, info, "exp", names, Exp, nullptr);
}

// add(heap, aOff, bOff, outOff, n): out = a + b over n floats.
napi_value AddFn(napi_env env, napi_callback_info info) {
  static const char* const names[] = {"add a", "add b", "add out"};
  return Elementwise(env, info, "add", names, nullptr, AddSame);
}

// geluGrad(heap, dyOff, xOff, dxOff, n)
napi_value GeluGradFn(napi_env env, napi_callback_info info) {
  static const char* const names[] = {"geluGrad dy", "geluGrad x", "geluGrad dx"};
  return Elementwise(env, info, "geluGrad", names, nullptr, GeluGrad);
}

// softmax(heap, xOff, yOff, rows, d)
napi_value SoftmaxFn(napi_env env, napi_callback_info info) {
  Args a;
  if (!GetArgs(env, info, &a, 5, "softmax")) return nullptr;
  Heap heap;
  size_t xOff, yOff, rows, d, n;
  if (!GetHeap(env, a.v[0], &heap) || !GetIndex(env, a.v[1], "xOffset", &xOff) || !GetIndex(env, a.v[2], "yOffset", &yOff) || !GetIndex(env, a.v[3], "rows", &rows) ||
      !GetIndex(env, a.v[4], "d", &d))
    return nullptr;
  if (d == 0 || !MulSize(rows, d, &n)) return ThrowRange(env, "softmax: bad rows/d"), nullptr;
  const float* x = F32(env, heap, xOff, n, "softmax x");
  float* y = x ? F32(env, heap, yOff, n, "softmax y") : nullptr;
  if (!y) return nullptr;
  FlushDenormals scope;
  Softmax(x, y, rows, d);
  return Undefined(env);
}

// mha(heap, dyOff (-1: forward), qOff, kOff, vOff, biasOff (-1: none), biasSize, [bsB, bsH, bsT, bsS],
//     outOff (forward: out; backward: dq), dkOff, dvOff, B, T, S, H, dh, scale)
// Multi-head attention from the projections (see MhaForward/MhaBackward); q, dy, out/dq are
// [B, T, H*dh], k, v, dk, dv are [B, S, H*dh], the bias is read at b*bsB + h*bsH + t*bsT + s*bsS.
napi_value MhaFn(napi_env env, napi_callback_info info) {
  Args a;
  if (!GetArgs(env, info, &a, 17, "mha")) return nullptr;
  Heap heap;
  int64_t dyOff, biasOff;
  size_t qOff, kOff, vOff, biasSize, oOff, dkOff, dvOff, B, T, S, H, dh;
  const int32_t* strides = nullptr;
  double scale;
  if (!GetHeap(env, a.v[0], &heap) || !GetInt(env, a.v[1], "dyOffset", &dyOff) || !GetIndex(env, a.v[2], "qOffset", &qOff) || !GetIndex(env, a.v[3], "kOffset", &kOff) ||
      !GetIndex(env, a.v[4], "vOffset", &vOff) || !GetInt(env, a.v[5], "biasOffset", &biasOff) || !GetIndex(env, a.v[6], "biasSize", &biasSize) ||
      !GetIndexArray(env, a.v[7], 4, "biasStrides", &strides) || !GetIndex(env, a.v[8], "outOffset", &oOff) || !GetIndex(env, a.v[9], "dkOffset", &dkOff) ||
      !GetIndex(env, a.v[10], "dvOffset", &dvOff) || !GetIndex(env, a.v[11], "B", &B) || !GetIndex(env, a.v[12], "T", &T) || !GetIndex(env, a.v[13], "S", &S) ||
      !GetIndex(env, a.v[14], "H", &H) || !GetIndex(env, a.v[15], "dh", &dh) || !GetDouble(env, a.v[16], "scale", &scale))
    return nullptr;
  size_t D, bt, bsz, nq, nk;
  if (!MulSize(H, dh, &D) || !MulSize(B, T, &bt) || !MulSize(B, S, &bsz) || !MulSize(bt, D, &nq) || !MulSize(bsz, D, &nk)) return ThrowRange(env, "mha: sizes overflow"), nullptr;
  if (!strides || strides[0] < 0 || strides[1] < 0 || strides[2] < 0 || strides[3] < 0) return ThrowRange(env, "mha: expected 4 non-negative bias strides"), nullptr;
  if (nq == 0 || nk == 0) return Undefined(env);
  const BiasStrides bs{static_cast<size_t>(strides[0]), static_cast<size_t>(strides[1]), static_cast<size_t>(strides[2]), static_cast<size_t>(strides[3])};
  const float* bias = nullptr;
  if (biasOff >= 0) {
    // The largest element the strides reach must lie inside the bias.
    const size_t dims[4] = {B, H, T, S}, st[4] = {bs.b, bs.h, bs.t, bs.s};
    size_t last = 0;
    for (int i = 0; i < 4; i++) {
      size_t term;
      if (!MulSize(dims[i] - 1, st[i], &term) || last + term < last) return ThrowRange(env, "mha: bias strides overflow"), nullptr;
      last += term;
    }
    if (last >= biasSize) return ThrowRange(env, "mha: bias strides reach past the bias"), nullptr;
    bias = F32(env, heap, static_cast<size_t>(biasOff), biasSize, "mha bias");
    if (!bias) return nullptr;
  }
  const float* q = F32(env, heap, qOff, nq, "mha q");
  const float* k = q ? F32(env, heap, kOff, nk, "mha k") : nullptr;
  const float* v = k ? F32(env, heap, vOff, nk, "mha v") : nullptr;
  float* out = v ? F32(env, heap, oOff, nq, "mha out") : nullptr;
  if (!out) return nullptr;
  FlushDenormals scope;
  if (dyOff < 0) {
    MhaForward(q, k, v, bias, bs, out, B, T, S, H, dh, static_cast<float>(scale));
    return Undefined(env);
  }
  const float* dy = F32(env, heap, static_cast<size_t>(dyOff), nq, "mha dy");
  float* dk = dy ? F32(env, heap, dkOff, nk, "mha dk") : nullptr;
  float* dv = dk ? F32(env, heap, dvOff, nk, "mha dv") : nullptr;
  if (!dv) return nullptr;
  MhaBackward(dy, q, k, v, bias, bs, out, dk, dv, B, T, S, H, dh, static_cast<float>(scale));
  return Undefined(env);
}



// layerNorm(heap, xOff, gammaOff, betaOff, yOff, rows, d, eps)
napi_value LayerNormFn(napi_env env, napi_callback_info info) {
  Args a;
  if (!GetArgs(env, info, &a, 8, "layerNorm")) return nullptr;
  Heap heap;
  size_t xOff, gOff, bOff, yOff, rows, d, n;
  double eps;
  if (!GetHeap(env, a.v[0], &heap) || !GetIndex(env, a.v[1], "xOffset", &xOff) || !GetIndex(env, a.v[2], "gammaOffset", &gOff) || !GetIndex(env, a.v[3], "betaOffset", &bOff) ||
      !GetIndex(env, a.v[4], "yOffset", &yOff) || !GetIndex(env, a.v[5], "rows", &rows) || !GetIndex(env, a.v[6], "d", &d) || !GetDouble(env, a.v[7], "eps", &eps))
    return nullptr;
  if (d == 0 || !MulSize(rows, d, &n)) return ThrowRange(env, "layerNorm: bad rows/d"), nullptr;
  const float* x = F32(env, heap, xOff, n, "layerNorm x");
  const float* g = x ? F32(env, heap, gOff, d, "layerNorm gamma") : nullptr;
  const float* b = g ? F32(env, heap, bOff, d, "layerNorm beta") : nullptr;
  float* y = b ? F32(env, heap, yOff, n, "layerNorm y") : nullptr;
  if (!y) return nullptr;
  FlushDenormals scope;
  LayerNorm(x, g, b, y, rows, d, eps);
  return Undefined(env);
}

// layerNormGrad(heap, dyOff, xOff, gammaOff, dxOff, dgammaOff, dbetaOff, rows, d, eps)
napi_value LayerNormGradFn(napi_env env, napi_callback_info info) {
  Args a;
  if (!GetArgs(env, info, &a, 10, "layerNormGrad")) return nullptr;
  Heap heap;
  size_t dyOff, xOff, gOff, dxOff, dgOff, dbOff, rows, d, n;
  double eps;
  if (!GetHeap(env, a.v[0], &heap) || !GetIndex(env, a.v[1], "dyOffset", &dyOff) || !GetIndex(env, a.v[2], "xOffset", &xOff) || !GetIndex(env, a.v[3], "gammaOffset", &gOff) ||
      !GetIndex(env, a.v[4], "dxOffset", &dxOff) || !GetIndex(env, a.v[5], "dgammaOffset", &dgOff) || !GetIndex(env, a.v[6], "dbetaOffset", &dbOff) ||
      !GetIndex(env, a.v[7], "rows", &rows) || !GetIndex(env, a.v[8], "d", &d) || !GetDouble(env, a.v[9], "eps", &eps))
    return nullptr;
  if (d == 0 || !MulSize(rows, d, &n)) return ThrowRange(env, "layerNormGrad: bad rows/d"), nullptr;
  const float* dy = F32(env, heap, dyOff, n, "layerNormGrad dy");
  const float* x = dy ? F32(env, heap, xOff, n, "layerNormGrad x") : nullptr;
  const float* g = x ? F32(env, heap, gOff, d, "layerNormGrad gamma") : nullptr;
  float* dx = g ? F32(env, heap, dxOff, n, "layerNormGrad dx") : nullptr;
  float* dg = dx ? F32(env, heap, dgOff, d, "layerNormGrad dgamma") : nullptr;
  float* db = dg ? F32(env, heap, dbOff, d, "layerNormGrad dbeta") : nullptr;
  if (!db) return nullptr;
  FlushDenormals scope;
  LayerNormGrad(dy, x, g, dx, dg, db, rows, d, eps);
  return Undefined(env);
}

// adamw(heap, pOff, mOff, vOff, gOff, pOutOff, mOutOff, vOutOff, n, lr, beta1, beta2, eps, bc1, bc2, decay)
napi_value AdamWFn(napi_env env, napi_callback_info info) {
  Args a;
  if (!GetArgs(env, info, &a, 16, "adamw")) return nullptr;
  Heap heap;
  size_t off[7], n;
  const char* names[7] = {"adamw p", "adamw m", "adamw v", "adamw g", "adamw pOut", "adamw mOut", "adamw vOut"};
  AdamWParams h;
  if (!GetHeap(env, a.v[0], &heap)) return nullptr;
  for (int i = 0; i < 7; i++)
    if (!GetIndex(env, a.v[1 + i], names[i], &off[i])) return nullptr;
  if (!GetIndex(env, a.v[8], "n", &n) || !GetDouble(env, a.v[9], "lr", &h.lr) || !GetDouble(env, a.v[10], "beta1", &h.beta1) || !GetDouble(env, a.v[11], "beta2", &h.beta2) ||
      !GetDouble(env, a.v[12], "eps", &h.eps) || !GetDouble(env, a.v[13], "bc1", &h.bc1) || !GetDouble(env, a.v[14], "bc2", &h.bc2) || !GetDouble(env, a.v[15], "decay", &h.decay))
    return nullptr;
  float* ptr[7];
  for (int i = 0; i < 7; i++) {
    ptr[i] = F32(env, heap, off[i], n, names[i]);
    if (!ptr[i]) return nullptr;
  }
  FlushDenormals scope;
  AdamW(ptr[0], ptr[1], ptr[2], ptr[3], ptr[4], ptr[5], ptr[6], n, h);
  return Undefined(env);
}

// gather(heap, xOff, indicesOff, outOff, count, rows, innerBytes): out[i] = x[indices[i]] (rows of innerBytes).
napi_value GatherFn(napi_env env, napi_callback_info info) {
  Args a;
  if (!GetArgs(env, info, &a, 7, "gather")) return nullptr;
  Heap heap;
  size_t xOff, iOff, oOff, count, rows, inner, xBytes, oBytes;
  if (!GetHeap(env, a.v[0], &heap) || !GetIndex(env, a.v[1], "xOffset", &xOff) || !GetIndex(env, a.v[2], "indicesOffset", &iOff) || !GetIndex(env, a.v[3], "outOffset", &oOff) ||
      !GetIndex(env, a.v[4], "count", &count) || !GetIndex(env, a.v[5], "rows", &rows) || !GetIndex(env, a.v[6], "innerBytes", &inner))
    return nullptr;
  if (!MulSize(rows, inner, &xBytes) || !MulSize(count, inner, &oBytes)) return ThrowRange(env, "gather: sizes overflow"), nullptr;
  const uint8_t* x = static_cast<const uint8_t*>(Span(env, heap, xOff, xBytes, 1, "gather x"));
  const int32_t* idx = x ? I32(env, heap, iOff, count, "gather indices") : nullptr;
  uint8_t* out = idx ? static_cast<uint8_t*>(Span(env, heap, oOff, oBytes, 1, "gather out")) : nullptr;
  if (!out) return nullptr;
  const int64_t bad = GatherRows(x, idx, out, count, rows, inner);
  if (bad >= 0) {
    const std::string msg = "GatherV2: the index value " + std::to_string(idx[bad]) + " is not in [0, " + std::to_string(static_cast<int64_t>(rows) - 1) + "]";
    ThrowRange(env, msg.c_str());
    return nullptr;
  }
  return Undefined(env);
}

// segmentSum(heap, xOff, idsOff, outOff, count, segments, inner)
napi_value SegmentSumFn(napi_env env, napi_callback_info info) {
  Args a;
  if (!GetArgs(env, info, &a, 7, "segmentSum")) return nullptr;
  Heap heap;
  size_t xOff, iOff, oOff, count, segments, inner, xn, on;
  if (!GetHeap(env, a.v[0], &heap) || !GetIndex(env, a.v[1], "xOffset", &xOff) || !GetIndex(env, a.v[2], "idsOffset", &iOff) || !GetIndex(env, a.v[3], "outOffset", &oOff) ||
      !GetIndex(env, a.v[4], "count", &count) || !GetIndex(env, a.v[5], "segments", &segments) || !GetIndex(env, a.v[6], "inner", &inner))
    return nullptr;
  if (!MulSize(count, inner, &xn) || !MulSize(segments, inner, &on)) return ThrowRange(env, "segmentSum: sizes overflow"), nullptr;
  const float* x = F32(env, heap, xOff, xn, "segmentSum x");
  const int32_t* ids = x ? I32(env, heap, iOff, count, "segmentSum ids") : nullptr;
  float* out = ids ? F32(env, heap, oOff, on, "segmentSum out") : nullptr;
  if (!out) return nullptr;
  FlushDenormals scope;
  SegmentSum(x, ids, out, count, segments, inner);
  return Undefined(env);
}

// sumLeading(heap, xOff, outOff, outer, inner)
napi_value SumLeadingFn(napi_env env, napi_callback_info info) {
  Args a;
  if (!GetArgs(env, info, &a, 5, "sumLeading")) return nullptr;
  Heap heap;
  size_t xOff, oOff, outer, inner, n;
  if (!GetHeap(env, a.v[0], &heap) || !GetIndex(env, a.v[1], "xOffset", &xOff) || !GetIndex(env, a.v[2], "outOffset", &oOff) || !GetIndex(env, a.v[3], "outer", &outer) ||
      !GetIndex(env, a.v[4], "inner", &inner))
    return nullptr;
  if (!MulSize(outer, inner, &n)) return ThrowRange(env, "sumLeading: sizes overflow"), nullptr;
  const float* x = F32(env, heap, xOff, n, "sumLeading x");
  float* out = x ? F32(env, heap, oOff, inner, "sumLeading out") : nullptr;
  if (!out) return nullptr;
  FlushDenormals scope;
  SumLeading(x, out, outer, inner);
  return Undefined(env);
}

// transpose(heap, xOff, outOff, shape: number[], perm: number[]) for 4-byte elements, rank 1..8.
napi_value TransposeFn(napi_env env, napi_callback_info info) {
  Args a;
  if (!GetArgs(env, info, &a, 5, "transpose")) return nullptr;
  Heap heap;
  size_t xOff, oOff;
  if (!GetHeap(env, a.v[0], &heap) || !GetIndex(env, a.v[1], "xOffset", &xOff) || !GetIndex(env, a.v[2], "outOffset", &oOff)) return nullptr;
  size_t shape[8], perm[8];
  uint32_t rank = 0, rankP = 0;
  bool isArr = false;
  if (napi_is_array(env, a.v[3], &isArr) != napi_ok || !isArr || napi_get_array_length(env, a.v[3], &rank) != napi_ok || rank == 0 || rank > 8 ||
      napi_is_array(env, a.v[4], &isArr) != napi_ok || !isArr || napi_get_array_length(env, a.v[4], &rankP) != napi_ok || rankP != rank)
    return ThrowRange(env, "transpose: expected shape and perm arrays of the same rank 1..8"), nullptr;
  bool seen[8] = {false, false, false, false, false, false, false, false};
  size_t total = 1;
  for (uint32_t d = 0; d < rank; d++) {
    napi_value v;
    napi_get_element(env, a.v[3], d, &v);
    if (!GetIndex(env, v, "shape", &shape[d])) return nullptr;
    napi_get_element(env, a.v[4], d, &v);
    if (!GetIndex(env, v, "perm", &perm[d])) return nullptr;
    if (perm[d] >= rank || seen[perm[d]]) return ThrowRange(env, "transpose: perm is not a permutation"), nullptr;
    seen[perm[d]] = true;
    if (!MulSize(total, shape[d], &total)) return ThrowRange(env, "transpose: size overflows"), nullptr;
  }
  const uint32_t* x = static_cast<const uint32_t*>(Span(env, heap, xOff, total, 4, "transpose x"));
  uint32_t* out = x ? static_cast<uint32_t*>(Span(env, heap, oOff, total, 4, "transpose out")) : nullptr;
  if (!out) return nullptr;
  Transpose4(x, out, shape, perm, rank);
  return Undefined(env);
}

// setThreads(n) -> the thread count now in force
napi_value SetThreadsFn(napi_env env, napi_callback_info info) {
  Args a;
  if (!GetArgs(env, info, &a, 1, "setThreads")) return nullptr;
  size_t n;
  if (!GetIndex(env, a.v[0], "threads", &n)) return nullptr;
  SetGemmThreads(static_cast<int>(n > 64 ? 64 : n));
  napi_value out;
  napi_create_int32(env, GemmThreads(), &out);
  return out;
}

// info() -> { gemm, threads, napiVersion, blasCore? }
napi_value InfoFn(napi_env env, napi_callback_info) {
  napi_value obj, gemm, threads, napi;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, GemmImplementation(), NAPI_AUTO_LENGTH, &gemm);
  napi_create_int32(env, GemmThreads(), &threads);
  napi_create_int32(env, NAPI_VERSION, &napi);
  napi_set_named_property(env, obj, "gemm", gemm);
  napi_set_named_property(env, obj, "threads", threads);
  napi_set_named_property(env, obj, "napiVersion", napi);
  const char* core = GemmCoreName();
  if (core) {
    napi_value v;
    napi_create_string_utf8(env, core, NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, obj, "blasCore", v);
  }
  return obj;
}

napi_value Init(napi_env env, napi_value exports) {
  // OpenBLAS starts one thread per core; one GEMM thread measured best on 2 shared cores.
  SetGemmThreads(1);
  const struct {
    const char* name;
    napi_callback cb;
  } fns[] = {{"sgemm", SgemmFn},         {"gelu", GeluFn},       {"geluGrad", GeluGradFn},     {"layerNorm", LayerNormFn}, {"layerNormGrad", LayerNormGradFn},
             {"adamw", AdamWFn},       {"gather", GatherFn},   {"segmentSum", SegmentSumFn}, {"sumLeading", SumLeadingFn}, {"setThreads", SetThreadsFn}, {"transpose", TransposeFn}, {"exp", ExpFn}, {"softmax", SoftmaxFn}, {"mha", MhaFn}, {"add", AddFn},
             {"info", InfoFn}};
  for (const auto& f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn);
    napi_set_named_property(env, exports, f.name, fn);
  }
  return exports;
}

}  // namespace
}  // namespace vlalign

NAPI_MODULE(NODE_GYP_MODULE_NAME, vlalign::Init)
