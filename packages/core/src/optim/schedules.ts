/**
 * A learning-rate multiplier by optimiser step, as `torch.optim.lr_scheduler.LambdaLR` uses it:
 * update number `step` (0-based: 0 is the first update) uses `baseLr * schedule(step)`.
 */
export type LrSchedule = (step: number) => number;

/** Options of {@link cosineWithWarmup}. */
export interface CosineWithWarmupOptions {
  /** Steps of linear warmup from 0 to the base lr. Default 0. */
  warmupSteps?: number;
  /** Total optimiser steps; the cosine reaches `minLrRatio` here. */
  totalSteps: number;
  /** Final multiplier at the end of the cosine. Default 0. */
  minLrRatio?: number;
}

function checkSteps(name: string, warmupSteps: number, totalSteps?: number): void {
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new RangeError(`${name}: warmupSteps must be an integer >= 0; got ${warmupSteps}`);
  if (totalSteps !== undefined && (!Number.isInteger(totalSteps) || totalSteps < 1)) {
    throw new RangeError(`${name}: totalSteps must be an integer >= 1; got ${totalSteps}`);
  }
}

/**
 * Linear warmup then half-cosine decay, as Hugging Face's `get_cosine_schedule_with_warmup`
 * (with a floor): `step / warmupSteps` during warmup (so step 0 has lr 0), then
 * `minLrRatio + (1 - minLrRatio) * 0.5 * (1 + cos(pi * progress))` with
 * `progress = (step - warmupSteps) / (totalSteps - warmupSteps)` clamped to [0, 1].
 */
export function cosineWithWarmup(options: CosineWithWarmupOptions): LrSchedule {
  const warmupSteps = options.warmupSteps ?? 0;
  const { totalSteps } = options;
  const minLrRatio = options.minLrRatio ?? 0;
  checkSteps('cosineWithWarmup', warmupSteps, totalSteps);
  if (!(minLrRatio >= 0 && minLrRatio <= 1)) throw new RangeError(`cosineWithWarmup: minLrRatio must be in [0, 1]; got ${minLrRatio}`);
  return (step) => {
    if (step < warmupSteps) return step / Math.max(1, warmupSteps);
    const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    return minLrRatio + (1 - minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}

/** Linear warmup from 0 (`step / warmupSteps`), then a constant 1, as HF's `get_constant_schedule_with_warmup`. */
export function constantWithWarmup(options: { warmupSteps?: number } = {}): LrSchedule {
  const warmupSteps = options.warmupSteps ?? 0;
  checkSteps('constantWithWarmup', warmupSteps);
  return (step) => (step < warmupSteps ? step / Math.max(1, warmupSteps) : 1);
}
