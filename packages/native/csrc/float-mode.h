// Denormal (subnormal) floats make x86 FMA units take microcode assists, ~100x slower per
// operation; a GEMM whose operand holds a few of them (gradients decaying towards zero) measured
// 3 ms instead of 20 us. Inside native kernels subnormal inputs and results are flushed to zero
// (FTZ + DAZ), as the fast paths of most ML runtimes do; the previous mode is restored on return,
// so JS and wasm code never see the change. Values below 1.2e-38 only are affected.
#pragma once

#if defined(__SSE__) || defined(_M_X64) || defined(__x86_64__)
#include <xmmintrin.h>
#define VLALIGN_HAS_MXCSR 1
#endif

namespace vlalign {

class FlushDenormals {
 public:
#if defined(VLALIGN_HAS_MXCSR)
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040); }  // FTZ (bit 15) | DAZ (bit 6)
  ~FlushDenormals() { _mm_setcsr(saved_); }

 private:
  unsigned int saved_;
#else
  FlushDenormals() {}
#endif
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;
};

}  // namespace vlalign
