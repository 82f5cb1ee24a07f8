#include "heap.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace vlalign {

void ThrowRange(napi_env env, const char* message) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_range_error(env, "ERR_VLALIGN_NATIVE", message);
}

static void ThrowType(napi_env env, const std::string& message) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_type_error(env, "ERR_VLALIGN_NATIVE", message.c_str());
}

bool GetHeap(napi_env env, napi_value value, Heap* heap) {
  bool is_ab = false;
  if (napi_is_arraybuffer(env, value, &is_ab) != napi_ok || !is_ab) {
    ThrowType(env, "heap: expected the wasm heap ArrayBuffer (backend.wasm.HEAPU8.buffer)");
    return false;
  }
  bool detached = false;
  if (napi_is_detached_arraybuffer(env, value, &detached) != napi_ok || detached) {
    ThrowRange(env, "heap: the ArrayBuffer is detached (the wasm heap grew); fetch HEAPU8.buffer after allocating outputs");
    return false;
  }
  void* data = nullptr;
  size_t length = 0;
  if (napi_get_arraybuffer_info(env, value, &data, &length) != napi_ok) {
    ThrowType(env, "heap: napi_get_arraybuffer_info failed");
    return false;
  }
  if (data == nullptr || length == 0) {
    ThrowRange(env, "heap: the ArrayBuffer is empty (detached?)");
    return false;
  }
  heap->base = static_cast<uint8_t*>(data);
  heap->length = length;
  return true;
}

bool GetDouble(napi_env env, napi_value value, const char* name, double* out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number) {
    ThrowType(env, std::string(name) + ": expected a number");
    return false;
  }
  napi_get_value_double(env, value, out);
  if (!std::isfinite(*out)) {
    ThrowRange(env, (std::string(name) + ": expected a finite number").c_str());
    return false;
  }
  return true;
}

bool GetInt(napi_env env, napi_value value, const char* name, int64_t* out) {
  double d = 0;
  if (!GetDouble(env, value, name, &d)) return false;
  // 2^53: every integer below is exact in a double.
  if (d != std::floor(d) || std::fabs(d) > 9007199254740992.0) {
    ThrowRange(env, (std::string(name) + ": expected an integer").c_str());
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

bool GetIndex(napi_env env, napi_value value, const char* name, size_t* out) {
  int64_t v = 0;
  if (!GetInt(env, value, name, &v)) return false;
  if (v < 0) {
    ThrowRange(env, (std::string(name) + ": expected a non-negative integer").c_str());
    return false;
  }
  *out = static_cast<size_t>(v);
  return true;
}

bool GetBool(napi_env env, napi_value value, const char* name, bool* out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_boolean) {
    ThrowType(env, std::string(name) + ": expected a boolean");
    return false;
  }
  napi_get_value_bool(env, value, out);
  return true;
}

bool MulSize(size_t a, size_t b, size_t* out) {
  if (a != 0 && b > SIZE_MAX / a) return false;
  *out = a * b;
  return true;
}

void* Span(napi_env env, const Heap& heap, size_t offset, size_t count, size_t elemBytes, const char* name) {
  size_t bytes = 0;
  if (!MulSize(count, elemBytes, &bytes)) {
    ThrowRange(env, (std::string(name) + ": size overflows").c_str());
    return nullptr;
  }
  if (offset % elemBytes != 0) {
    ThrowRange(env, (std::string(name) + ": offset " + std::to_string(offset) + " is not aligned to " + std::to_string(elemBytes) + " bytes").c_str());
    return nullptr;
  }
  if (offset > heap.length || bytes > heap.length - offset) {
    ThrowRange(env, (std::string(name) + ": bytes [" + std::to_string(offset) + ", " + std::to_string(offset) + "+" + std::to_string(bytes) +
                     ") are outside the wasm heap of " + std::to_string(heap.length) + " bytes")
                        .c_str());
    return nullptr;
  }
  return heap.base + offset;
}

}  // namespace vlalign
