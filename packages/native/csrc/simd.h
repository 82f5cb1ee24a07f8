// Function multi-versioning for the hot loops. The addon is built portable (no -march=native);
// on x86-64 Linux with GCC/Clang each marked function gets an AVX-512F (which implies AVX2 and FMA),
// an AVX2 and a baseline (SSE2) clone, and the loader picks one for the running CPU by its feature
// bits (not by CPU model: "arch=" clones never match CPUs the compiler does not know, e.g. in VMs).
// Elsewhere the macro is empty.
#pragma once

#if defined(__x86_64__) && defined(__linux__) && !defined(VLALIGN_NO_CLONES) && \
    ((defined(__clang__) && __clang_major__ >= 14) || (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 6))
#define VLALIGN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VLALIGN_CLONES
#endif

// Helpers called from cloned functions must be inlined into every clone to vectorise with it.
#if defined(__GNUC__) || defined(__clang__)
#define VLALIGN_INLINE __attribute__((always_inline)) inline
#else
#define VLALIGN_INLINE inline
#endif
