import { tf, tfSeed } from '@vlalign/core';

/**
 * LoRA scaling factor: `alpha / r`, or `alpha / sqrt(r)` with rank-stabilised LoRA (rsLoRA,
 * Kalajdzievski 2023; PEFT's `use_rslora`), which keeps the update's magnitude stable as r grows.
 */
export function loraScaling(rank: number, alpha: number, useRsLoRA: boolean): number {
  return useRsLoRA ? alpha / Math.sqrt(rank) : alpha / rank;
}

/**
 * PEFT's default init of `lora_A`: `kaiming_uniform_(a = sqrt(5))`, which is U(-1/sqrt(fan_in),
 * +1/sqrt(fan_in)) with fan_in = the layer's input width. Seeded (tfjs draws the numbers in JS, so the
 * same seed gives the same matrix on every backend). Returned in vlalign's `[in, r]` layout.
 */
export function kaimingUniformA(inFeatures: number, rank: number, seed: number): tf.Tensor2D {
  // gain = sqrt(2 / (1 + a^2)) = sqrt(1/3) for a = sqrt(5); bound = gain * sqrt(3 / fan_in).
  const bound = Math.sqrt(1 / 3) * Math.sqrt(3 / inFeatures);
  return tf.randomUniform([inFeatures, rank], -bound, bound, 'float32', tfSeed(seed)) as tf.Tensor2D;
}
