/**
 * @vlalign/lavit — LaVIT (Jin et al., ICLR 2024): a dynamic discrete visual tokenizer (token
 * selector, token merger, EMA vector quantizer, query decoder) trained in two stages over frozen
 * ViT features, and a unified LM over text and visual ids.
 */
export { policySoftmax, MaskedAttention, POLICY_SOFTMAX_EPS } from './attention/masked-attention.js';
export { TokenSelector, type TokenSelectorOptions, type SelectorOutput, type SelectorMask } from './selector/token-selector.js';
export { hardGumbelKeep, straightThrough, type GumbelKeep } from './selector/gumbel-straight-through.js';
export { keepRatioLoss, type KeepRatioScope } from './selector/keep-ratio-loss.js';
export { keepThresholdForRatio, keepProbabilities, calibrateSelectorThreshold } from './selector/calibrate-threshold.js';
export { FeatureMean } from './tokenizer/feature-mean.js';
export { TokenMerger, MergerBlock, extractKept, type TokenMergerOptions } from './merger/token-merger.js';
export { causalKeptMask, droppedKeyMask, keptKeyMask } from './merger/merger-masks.js';
export { vectorQuantize, quantizeStraightThrough, commitmentLoss, type VectorQuantizeResult } from './quantizer/vector-quantize.js';
export { l2Normalize } from './quantizer/l2-normalize.js';
export { EmaCodebook, type EmaCodebookOptions, type EmaUpdateReport } from './quantizer/ema-codebook.js';
export { sphericalKMeans, type SphericalKMeansOptions } from './quantizer/spherical-kmeans.js';
export { QueryDecoder, cosineReconstructionLoss, cosineSimilarity, type QueryDecoderOptions, type CodePositions } from './decoder/query-decoder.js';
export {
  DynamicVisualTokenizer,
  type TokenizerForwardOptions,
  type TokenizerForwardOutput,
  type TokenizerLossTerms,
  type TokenizerLossWeights,
} from './tokenizer/dynamic-visual-tokenizer.js';
export { visualTokenizerConfigSchema, parseVisualTokenizerConfig, type VisualTokenizerConfig, type ResolvedVisualTokenizerConfig } from './tokenizer/tokenizer-config.js';
export { tokenizeImage, tokenizeImages, tokenizeFeatures, type ImageTokens, type TokenizeFeaturesOptions } from './tokenizer/tokenize-image.js';
export { UnifiedVocabulary, createUnifiedLM, type UnifiedLMConfig } from './unified/unified-vocabulary.js';
export { pairSequence, sequenceBatch, type PairOrder, type SequenceBatch } from './unified/unified-sequences.js';
export { restrictedGenerate, type RestrictedGenerateOptions } from './unified/restricted-generate.js';
export { captionFromVisualIds, generateVisualIds, type CaptionFromIdsOptions, type GenerateVisualIdsOptions } from './unified/unified-generation.js';
export { codebookUsage, type CodebookUsage } from './metrics/codebook-usage.js';
export { spearman, pearson, averageRanks } from './metrics/spearman.js';
export { lavit, lavitLm, lavitPhase, thresholdMaskStep, visionTower, patchFeatures, type LavitOptions, type LavitPhase, type LavitState } from './plugin/lavit-plugin.js';
export { lavitOptionsSchema, parseLavitOptions, type LavitJsonOptions, type ResolvedLavitOptions } from './plugin/lavit-options.js';
export { tokenizeEvalSet, lavitEvalHooks } from './plugin/lavit-eval.js';
