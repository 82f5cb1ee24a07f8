export { Module, markNoDecay, isNoDecay, type ParameterOptions, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { ModuleList } from './module-list.js';
export { Linear, type LinearContext, type LinearLike, type LinearOptions } from './linear.js';
export { LayerNorm, type LayerNormOptions } from './layer-norm.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { Dropout, type DropoutOptions } from './dropout.js';
export { MLP, type MLPOptions } from './mlp.js';
export { ConvStem, im2col3x3Stride2, type ConvStemOptions } from './conv-stem.js';
export { gelu, stopGradient } from './activations.js';
export { buildAttentionBias, MASKED_SCORE, type AttentionBiasOptions } from './attention-bias.js';
export {
  MultiHeadAttention,
  disposeAttentionCache,
  type AttentionCache,
  type AttentionForwardOptions,
  type MultiHeadAttentionOptions,
} from './attention.js';
export { TransformerBlock, type BlockCache, type BlockForwardOptions, type TransformerBlockOptions } from './transformer-block.js';
export { deriveSeed, createRng, tfSeed } from './seed.js';
export { truncatedNormalInit, DEFAULT_INIT_STD } from './init.js';
export { applyFanInInit } from './fan-in-init.js';
