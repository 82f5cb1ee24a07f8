// Access to the tfjs wasm heap from native code, with every operand bounds-checked.
//
// Rules (perf-native-kernels.md section 5): JS passes the live `HEAPU8.buffer` on every call, after
// it allocated the outputs, and byte OFFSETS into it, never pointers. Nothing here keeps a pointer
// past the call, and every call is synchronous.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace vlalign {

/** The wasm heap of one call: base address and its live length in bytes. */
struct Heap {
  uint8_t* base = nullptr;
  size_t length = 0;
};

/** Reads argument `index` (an ArrayBuffer) into `heap`; throws a JS error and returns false if it is detached or not one. */
bool GetHeap(napi_env env, napi_value value, Heap* heap);

/** A non-negative integer argument (a JS number holding an exact integer); throws otherwise. */
bool GetIndex(napi_env env, napi_value value, const char* name, size_t* out);

/** A signed integer argument (offsets may be -1 for "absent"); throws otherwise. */
bool GetInt(napi_env env, napi_value value, const char* name, int64_t* out);

/** A finite double argument; throws otherwise. */
bool GetDouble(napi_env env, napi_value value, const char* name, double* out);

/** A boolean argument (a JS truthy value is not enough: must be a boolean); throws otherwise. */
bool GetBool(napi_env env, napi_value value, const char* name, bool* out);

/**
 * `count` elements of `elemBytes` bytes at byte offset `offset` inside the heap, or nullptr after
 * throwing a RangeError when the range does not fit in the live heap or is misaligned.
 */
void* Span(napi_env env, const Heap& heap, size_t offset, size_t count, size_t elemBytes, const char* name);

inline float* F32(napi_env env, const Heap& heap, size_t offset, size_t count, const char* name) {
  return static_cast<float*>(Span(env, heap, offset, count, 4, name));
}
inline int32_t* I32(napi_env env, const Heap& heap, size_t offset, size_t count, const char* name) {
  return static_cast<int32_t*>(Span(env, heap, offset, count, 4, name));
}

/** Throws a JS RangeError with `message` (used for shape errors as well). */
void ThrowRange(napi_env env, const char* message);

/** Overflow-checked a * b for sizes. */
bool MulSize(size_t a, size_t b, size_t* out);

}  // namespace vlalign
