export { imagesToTensor } from './images-to-tensor.js';
export {
  parseConfig,
  vitConfigSchema,
  textConfigSchema,
  vlmConfigSchema,
  dualEncoderConfigSchema,
  type ViTConfig,
  type TextConfig,
  type TextEncoderConfig,
  type CausalLMConfig,
  type VisionLanguageModelConfig,
  type DualEncoderConfig,
  type ResolvedViTConfig,
  type ResolvedTextConfig,
  type ResolvedVisionLanguageModelConfig,
  type ResolvedDualEncoderConfig,
} from './config.js';
export { ViT, convStemChannels, type ViTOutput, type ModelInitOptions } from './vit.js';
export { TextEncoder, type TextEncoderOutput } from './text-encoder.js';
export { KVCache } from './kv-cache.js';
export { CausalLM, type CausalLMForwardOptions, type CausalLMOutput } from './causal-lm.js';
export { generateTokens, type GenerateOptions, type GenerateResult, type GeneratePrefix } from './generate.js';
export { pickToken, logSoftmaxAt, type SamplingOptions } from './sampling.js';
export { VisionLanguageModel, type VLMForwardInputs, type VLMForwardOutput, type VLMGenerateOptions } from './vision-language-model.js';
export { DualEncoder } from './dual-encoder.js';
export {
  createModel,
  listModelPresets,
  countModelParameters,
  type ModelKind,
  type ModelPreset,
  type ModelConfigByKind,
  type ModelByKind,
  type CreateModelOptions,
} from './presets.js';
