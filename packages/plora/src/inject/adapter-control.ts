import { Linear, tf, type Module } from '@vlalign/core';
import { LoraLinear } from '../layer/lora-linear.js';

/** The LoRA layers of `model` with their paths, in module order. */
export function loraLayers(model: Module): [string, LoraLinear][] {
  return model.namedModules().filter((e): e is [string, LoraLinear] => e[1] instanceof LoraLinear);
}

function requireLayers(model: Module, what: string): [string, LoraLinear][] {
  const layers = loraLayers(model);
  if (!layers.length) throw new Error(`${what}: the model has no LoRA adapters (apply them with applyLoRA / applyPartialLoRA or loadAdapters first)`);
  return layers;
}

/**
 * Merges every adapter of `model` into its weights for inference (see `LoraLinear.merge`; partial
 * adapters keep a second, visual-row weight). Checks each update for NaN/Inf before changing
 * anything. Returns the merged paths.
 */
export function mergeAdapters(model: Module): string[] {
  const layers = requireLayers(model, 'mergeAdapters');
  for (const [path, layer] of layers) {
    try {
      layer.deltaWeight().dispose();
    } catch (e) {
      throw new Error(`mergeAdapters: ${path}: ${(e as Error).message}`);
    }
  }
  for (const [, layer] of layers) layer.merge();
  return layers.map(([p]) => p);
}

/** Undoes {@link mergeAdapters}, restoring every original weight exactly. Returns the paths. */
export function unmergeAdapters(model: Module): string[] {
  const layers = requireLayers(model, 'unmergeAdapters');
  for (const [, layer] of layers) layer.unmerge();
  return layers.map(([p]) => p);
}

/**
 * Runs `fn` with every adapter of `model` switched off, so the model computes its base outputs
 * (PEFT's `disable_adapter()` context), e.g. a frozen reference model for DPO without a second copy.
 * Adapters are switched back on afterwards, also when `fn` throws or rejects.
 */
export function withAdaptersDisabled<T>(model: Module, fn: () => T): T {
  const layers = requireLayers(model, 'withAdaptersDisabled');
  const before = layers.map(([, l]) => l.adapterEnabled);
  const restore = () => layers.forEach(([, l], i) => (l.adapterEnabled = before[i]));
  for (const [, l] of layers) l.adapterEnabled = false;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

/**
 * Folds every standard LoRA adapter into its weights and puts plain `Linear` layers back (PEFT's
 * `merge_and_unload`), so the model can be saved and used without this package. Partial adapters
 * cannot be folded into one matrix (visual and text rows need different weights): they make this
 * throw before anything changes. Returns the paths turned back into `Linear`.
 */
export function mergeAndUnload(model: Module): string[] {
  const layers = requireLayers(model, 'mergeAndUnload');
  const partial = layers.filter(([, l]) => l.partial).map(([p]) => p);
  if (partial.length) {
    throw new Error(`mergeAndUnload: Partial LoRA adapters cannot be merged into a single weight (visual and text rows use different weights): ${partial.join(', ')}. Keep them as adapters, or use mergeAdapters for inference`);
  }
  mergeAdapters(model);
  for (const [path, layer] of layers) {
    const linear = new Linear(layer.inFeatures, layer.outFeatures, { bias: layer.bias !== undefined });
    const state: Record<string, tf.Tensor> = { weight: layer.weight };
    if (layer.bias) state.bias = layer.bias;
    linear.loadStateDict(state);
    linear.weight.trainable = layer.weight.trainable;
    if (linear.bias && layer.bias) linear.bias.trainable = layer.bias.trainable;
    linear.train(layer.training);
    model.replaceModule(path, linear);
    layer.dispose();
  }
  return layers.map(([p]) => p);
}
