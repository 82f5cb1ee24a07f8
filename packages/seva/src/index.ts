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
export { adjustBrightness, adjustContrast, adjustSaturation, adjustHue, type ColorAdjustOptions } from './augment/color-adjust.js';
export { DEFAULT_VALUE_RANGE, type ValueRange } from './augment/value-range.js';
export { makePreferencePairs, type MakePreferencePairsOptions, type MakePreferencePairsResult } from './pairs/make-preference-pairs.js';
export { augmentForPairs, PAIR_AUGMENTATIONS, type PairAugmentation, type AugmentForPairsOptions } from './pairs/augment-for-pairs.js';
export { runSevaPairs, type RunSevaPairsOptions } from './pairs/run-seva-pairs.js';
export { parseSevaPairsConfig, type SevaPairsConfig } from './pairs/pairs-config.js';
export { seva, type SevaOptions } from './plugin/seva-plugin.js';
export { pairBatch, checkPairSamples, type PairBatch, type PairSample } from './plugin/pair-batch.js';
export { createReference, frozenCopy, REFERENCE_MODULE, type Reference, type ReferenceMode } from './plugin/reference-model.js';
export { RefLogpsCache, REF_LOGPS_FILE } from './plugin/ref-logps-cache.js';
export { chairEvalHook, type ChairEvalOptions } from './eval/chair-eval.js';
export { popeEvalHook, type PopeEvalOptions } from './eval/pope-eval.js';
export { greedyAnswers, type GreedyAnswersOptions } from './text/greedy-answers.js';
export { promptIds } from './text/prompt-ids.js';
