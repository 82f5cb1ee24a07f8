/**
 * @vlalign/pixelllm — PixelLLM (Pixel Aligned Language Models, Xu et al., CVPR 2024) for vlalign:
 * a per-token point head on the LM's features trained jointly with captioning, location prompts
 * for location-conditioned captioning, and referring localisation, with their metrics.
 */
export { pixelllm, pixelLlmModules, POINT_HEAD_MODULE, PROMPT_ENCODER_MODULE } from './plugin/pixelllm-plugin.js';
export { resolvePixelLlmOptions, type PixelLlmOptions, type ResolvedPixelLlmOptions } from './plugin/pixelllm-options.js';
export { pixelLlmLoss, type PixelLlmLossOutput, type PixelLlmLossSettings } from './plugin/pixelllm-loss.js';
export { chooseRows, chooseRowsWithExtras, type RowMix, type RowsWithSamples } from './plugin/choose-rows.js';

export { pointLoss } from './losses/point-loss.js';
export { PointHead, defaultPointHeadHidden, type PointHeadOptions } from './head/point-head.js';
export { LocationPromptEncoder, WHOLE_IMAGE_BOX, type LocationPrompt, type LocationPromptEncoderOptions } from './prompt/location-prompt-encoder.js';
export { fourierFeatures } from './prompt/fourier-features.js';

export { alignTokensToWords } from './targets/align-tokens.js';
export { boxToPoints, pointsToBox, type Point } from './targets/box-points.js';
export { encodeRows, disposeRows, type PixelRow, type EncodedRows } from './targets/pixel-rows.js';
export {
  denseCaptionRow,
  locationCaptionRow,
  referringRow,
  referringText,
  type WordTargetLike,
  type ReferringLike,
  type LocationCaptionLike,
} from './targets/sample-rows.js';

export { promptedForward, type ImageInput } from './inference/prompted-forward.js';
export { localizeReferring, type LocalizeReferringOptions } from './inference/localize-referring.js';
export { localizeWords, type LocalizeWordsOptions, type LocalizedWord, type LocalizedCaption } from './inference/localize-words.js';

export { evaluateWordGrounding, type WordGroundingMetrics } from './eval/word-grounding-eval.js';
export { evaluateReferring, type ReferringMetrics } from './eval/referring-eval.js';
export { evaluateLocationCaptions, type LocationCaptionMetrics } from './eval/location-caption-eval.js';
export { captionNamesObject } from './eval/names-object.js';

export { drawWordPoints, type DrawWordPointsOptions } from './viz/draw-word-points.js';
export { makeGrid, type MakeGridOptions } from './viz/make-grid.js';
export { loadPixelLlmModules, type LoadPixelLlmModulesOptions } from './plugin/load-modules.js';
