/**
 * @vlalign/native — optional native kernels for vlalign on the tfjs wasm backend.
 *
 * A Node-API addon (built with node-gyp when the package is installed) computes on the wasm heap in
 * place: `BatchMatMul`/`_FusedMatMul` with a real BLAS (or a bundled blocked GEMM) and native bodies
 * for @vlalign/core's fused GELU, LayerNorm and AdamW kernels, gather and its gradient.
 */
export { enableNative, disableNative, nativeStatus, type NativeStatus } from './enable-native.js';
export type { NativeOptions } from './native-options.js';
export { openblasCoreHint } from './openblas-core.js';
