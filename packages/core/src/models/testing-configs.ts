import type { DualEncoderConfig, TextConfig, VisionLanguageModelConfig } from './config.js';

/** Very small configs for fast tests (not presets). */
export const microLM: TextConfig = { vocabSize: 24, maxLength: 24, width: 16, layers: 2, heads: 2, mlpHidden: 32 };
export const microVLM: VisionLanguageModelConfig = {
  vision: { imageSize: 16, patchSize: 8, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
  lm: microLM,
};
export const microDual: DualEncoderConfig = {
  vision: { imageSize: 16, patchSize: 8, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
  text: { vocabSize: 24, maxLength: 8, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
  embedDim: 16,
};
