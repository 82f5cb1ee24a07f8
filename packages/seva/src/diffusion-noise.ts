import { tf, tfSeed } from '@vlalign/core';
import { checkImages, checkSeed } from './check-inputs.js';

/** Defaults of the VCD / SeVa forward-diffusion schedule. */
export const DIFFUSION_DEFAULTS = { steps: 1000, start: 1e-5, end: 5e-3 } as const;

/**
 * The sigmoid beta schedule of VCD's `add_diffusion_noise`, which SeVa uses to corrupt images:
 * `beta_i = sigmoid(-6 + 12 i / (steps - 1)) * (end - start) + start` for `i = 0..steps-1`
 * (`torch.linspace(-6, 6, steps)` through a sigmoid, rescaled to `[start, end]`).
 *
 * Computed in float64 (the original runs in float32; alpha-bar differs by < 3e-7 at any t).
 *
 * @param steps number of diffusion steps (>= 2). Default 1000.
 * @param start smallest beta. Default 1e-5.
 * @param end largest beta. Default 5e-3.
 * @returns the `steps` betas.
 */
export function sigmoidBetaSchedule(steps: number = DIFFUSION_DEFAULTS.steps, start: number = DIFFUSION_DEFAULTS.start, end: number = DIFFUSION_DEFAULTS.end): Float64Array {
  if (!Number.isInteger(steps) || steps < 2) throw new Error(`sigmoidBetaSchedule: steps must be an integer >= 2; got ${steps}`);
  if (!(start > 0 && end > start && end < 1)) throw new Error(`sigmoidBetaSchedule: need 0 < start < end < 1; got start ${start}, end ${end}`);
  const betas = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    const x = -6 + (12 * i) / (steps - 1);
    betas[i] = (1 / (1 + Math.exp(-x))) * (end - start) + start;
  }
  return betas;
}

/**
 * Cumulative signal fraction `alpha_bar_t = prod_{s=0..t} (1 - beta_s)` with a 0-BASED step t, as
 * the original indexes `alphas_prod[t]` (so t = 0 already applies one step of noise).
 * With the default schedule: `sqrt(alpha_bar)` is about 0.863 at t = 500 and 0.467 at t = 800.
 *
 * @param t step in `[0, betas.length - 1]`.
 * @param betas the schedule; default {@link sigmoidBetaSchedule}`()`.
 */
export function alphaBar(t: number, betas: ArrayLike<number> = defaultBetas()): number {
  if (!Number.isInteger(t) || t < 0 || t >= betas.length) throw new Error(`alphaBar: t must be an integer in [0, ${betas.length - 1}]; got ${t}`);
  let prod = 1;
  for (let s = 0; s <= t; s++) prod *= 1 - betas[s];
  return prod;
}

let cachedDefault: Float64Array | undefined;
function defaultBetas(): Float64Array {
  cachedDefault ??= sigmoidBetaSchedule();
  return cachedDefault;
}

/** Options of {@link diffusionNoise}. */
export interface DiffusionNoiseOptions {
  /** Seed of the Gaussian noise; the same seed, shape and t give the same output. Omit for a fresh draw. */
  seed?: number;
  /** Number of steps of the schedule. Default 1000. */
  steps?: number;
  /** The beta schedule; only `'sigmoid'` (VCD/SeVa) exists. */
  schedule?: 'sigmoid';
  /** Smallest beta. Default 1e-5. */
  start?: number;
  /** Largest beta. Default 5e-3. */
  end?: number;
}

/**
 * SeVa's image corruption: the forward diffusion process applied to NORMALISED image tensors
 * (the model's input space, as SeVa applies it after CLIP preprocessing),
 *
 * ```
 * x_t = sqrt(alpha_bar_t) * x_0 + sqrt(1 - alpha_bar_t) * eps,   eps ~ N(0, I)
 * ```
 *
 * SeVa answers each prompt on the clean image (chosen) and on `diffusionNoise(image, t)` (rejected).
 * Its released data use t = 500 (recommended, most stable) and t = 800 (headline SeVa-7B).
 *
 * @param images `[B, H, W, C]` float images, normalised as the model sees them (e.g. `imagesToTensor`, [-1, 1]).
 * @param t diffusion step, 0-based, in `[0, steps - 1]`. Default 500.
 * @returns `[B, H, W, C]` float32 noised images (caller owns it); no gradient is intended.
 */
export function diffusionNoise(images: tf.Tensor, t = 500, { seed, steps = DIFFUSION_DEFAULTS.steps, schedule = 'sigmoid', start, end }: DiffusionNoiseOptions = {}): tf.Tensor4D {
  const fn = 'diffusionNoise';
  checkImages(images, fn);
  checkSeed(seed, fn);
  if (schedule !== 'sigmoid') throw new Error(`${fn}: schedule must be 'sigmoid'; got ${String(schedule)}`);
  const betas = start === undefined && end === undefined && steps === DIFFUSION_DEFAULTS.steps ? defaultBetas() : sigmoidBetaSchedule(steps, start, end);
  if (!Number.isInteger(t) || t < 0 || t >= steps) throw new Error(`${fn}: t must be an integer in [0, ${steps - 1}]; got ${t}`);
  const ab = alphaBar(t, betas);
  return tf.tidy(() => {
    const eps = tf.randomNormal(images.shape, 0, 1, 'float32', seed === undefined ? undefined : tfSeed(seed));
    return tf.add(tf.mul(tf.cast(images, 'float32'), Math.sqrt(ab)), tf.mul(eps, Math.sqrt(1 - ab))) as tf.Tensor4D;
  });
}
