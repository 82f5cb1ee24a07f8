/**
 * @vlalign/seva — Self-supervised Visual preference Alignment (SeVa): build preference pairs by
 * answering on a clean and an augmented image, and train with DPO.
 */
export { dpoLoss, type DpoLossOptions, type DpoLossOutput } from './dpo-loss.js';
export { sequenceLogps, type SequenceLogpsOptions } from './sequence-logps.js';
export { diffusionNoise, sigmoidBetaSchedule, alphaBar, DIFFUSION_DEFAULTS, type DiffusionNoiseOptions } from './diffusion-noise.js';
export { flipHorizontal, type FlipHorizontalOptions } from './augment/flip-horizontal.js';
export { randomCrop, type RandomCropOptions } from './augment/random-crop.js';
export { colorJitter, type ColorJitterOptions } from './augment/color-jitter.js';
export { adjustBrightness, adjustContrast, adjustSaturation, type ColorAdjustOptions } from './augment/color-adjust.js';
export { DEFAULT_VALUE_RANGE, type ValueRange } from './augment/value-range.js';
