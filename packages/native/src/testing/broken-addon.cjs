// A stand-in for the compiled addon whose GEMM writes nothing: enableNative's self-test must
// catch it, restore the original kernels and report why (used by enable-native.test.ts).
const real = require(process.env.VLALIGN_REAL_ADDON);
module.exports = { ...real, sgemm() {} };
