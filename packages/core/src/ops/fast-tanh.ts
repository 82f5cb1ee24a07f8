const CLAMP = 7.90531110763549805;

/**
 * tanh as an odd rational function (the float32 approximation Eigen and XNNPACK use), evaluated in
 * float64: max abs error 2.6e-7 against Math.tanh, and ~3x faster than Math.tanh in a V8 loop,
 * which is what makes a JS GELU kernel beat the wasm Tanh kernel.
 */
export function fastTanh(u: number): number {
  const c = u > CLAMP ? CLAMP : u < -CLAMP ? -CLAMP : u;
  const z = c * c;
  const p = c * (4.89352455891786e-3 + z * (6.37261928875436e-4 + z * (1.48572235717979e-5 + z * (5.12229709037114e-8 + z * (-8.60467152213735e-11 + z * (2.00018790482477e-13 + z * -2.76076847742355e-16))))));
  const q = 4.89352518554385e-3 + z * (2.268434632439e-3 + z * (1.18534705686654e-4 + z * 1.19825839466702e-6));
  return p / q;
}
