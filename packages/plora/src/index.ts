/**
 * @vlalign/plora — LoRA and Partial LoRA (InternLM-XComposer2's visual-token-only LoRA) for vlalign
 * models: the layer, injection by module path or preset, merge / unmerge, PEFT-layout adapter files,
 * and the `plora()` trainer plugin.
 */
export { partialLoraLinear, loraDelta, linearBase } from './layer/partial-lora-linear.js';
export { LoraLinear, type LoraLinearOptions } from './layer/lora-linear.js';
export { LoraMatrix } from './layer/lora-matrix.js';
export { loraScaling, kaimingUniformA } from './layer/lora-init.js';
export { loraConfigSchema, resolveLoraConfig, type LoraConfig, type ResolvedLoraConfig } from './inject/lora-config.js';
export { TARGET_PRESETS, isTargetPreset, type TargetPreset } from './inject/target-presets.js';
export { listTargetModules, listLinearModules, listLoraModules, targetMatcher, type LoraTargets } from './inject/target-modules.js';
export { applyLoRA, applyPartialLoRA, keepOnlyAdaptersTrainable, type ApplyLoraResult } from './inject/apply-lora.js';
export { loraLayers, mergeAdapters, unmergeAdapters, withAdaptersDisabled, mergeAndUnload } from './inject/adapter-control.js';
export { saveAdapters, loadAdapters, type SavedAdapters, type LoadAdaptersOptions, type LoadedAdapters } from './persist/adapter-files.js';
export { ADAPTER_FILES, PEFT_PREFIX, adapterConfigSchema, readAdapterConfig, type AdapterConfigFile } from './persist/adapter-config-file.js';
export { baseModelFingerprint, baseParameterShapes, diffParameterShapes } from './persist/base-fingerprint.js';
export { plora } from './plugin/plora-plugin.js';
export { ploraOptionsSchema, resolvePloraOptions, type PloraOptions, type ResolvedPloraOptions } from './plugin/plora-options.js';
export { adapterStats, type AdapterStats } from './plugin/adapter-stats.js';
