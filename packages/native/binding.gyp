{
  "targets": [
    {
      "target_name": "vlalign_native",
      "sources": ["csrc/addon.cc", "csrc/heap.cc", "csrc/gemm.cc", "csrc/gemm-fallback.cc", "csrc/kernels.cc"],
      "defines": ["NAPI_VERSION=8", "<!@(node scripts/find-blas.mjs defines)"],
      "include_dirs": ["<!@(node scripts/find-blas.mjs include_dirs)"],
      "libraries": ["<!@(node scripts/find-blas.mjs libraries)"],
      "ldflags": ["<!@(node scripts/find-blas.mjs ldflags)"],
      "cflags": ["-O3", "-fno-math-errno", "-fno-trapping-math"],
      "cflags_cc": ["-O3", "-fno-math-errno", "-fno-trapping-math", "-std=c++17"],
      "cflags!": ["-O2"],
      "cflags_cc!": ["-O2"],
      "xcode_settings": {
        "GCC_OPTIMIZATION_LEVEL": "3",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "11.0",
        "OTHER_LDFLAGS": ["<!@(node scripts/find-blas.mjs ldflags)"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "Optimization": 2, "AdditionalOptions": ["/std:c++17"] }
      }
    }
  ]
}
