/**
 * @vlalign/clip — contrastive image-text alignment (CLIP's InfoNCE, SigLIP) as a vlalign plugin,
 * with the pure losses and the zero-shot / retrieval evaluation used to measure it.
 */
export { clip, LOGIT_HEAD_MODULE } from './plugin/clip-plugin.js';
export {
  clipOptionsSchema,
  resolveClipOptions,
  DEFAULT_ZERO_SHOT_TEMPLATES,
  type ClipOptions,
  type ResolvedClipOptions,
} from './plugin/clip-options.js';
export { LogitHead, type LogitHeadOptions } from './plugin/logit-head.js';
export { featureCacheGradients, splitEven, type FeatureCacheArgs, type MicroBatchFeatures } from './plugin/feature-cache.js';
export type { ClipBatch } from './plugin/clip-batch.js';
export { compileSwapGroups, swapOneWord, swappedNegatives, type SwapGroup, type SwapTable } from './negatives/swap-negatives.js';

export { clipLoss } from './losses/clip-loss.js';
export { siglipLoss } from './losses/siglip-loss.js';

export type { ContrastiveEncoder } from './encoders/contrastive-encoder.js';
export { l2Normalize } from './encoders/l2-normalize.js';
export { tokenizeTexts, type TokenizedTexts } from './encoders/tokenize-texts.js';
export { embedImages, embedTexts } from './encoders/embed.js';

export { retrievalMetrics, RETRIEVAL_KS } from './eval/retrieval-metrics.js';
export { buildZeroShotClassifier, fillTemplate, type ZeroShotClassifierOptions } from './eval/zero-shot-classifier.js';
export { zeroShotMetrics } from './eval/zero-shot-metrics.js';
export { zeroShotLabel } from './eval/zero-shot-label.js';
