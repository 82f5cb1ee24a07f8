import { Linear, deriveSeed, type Module } from '@vlalign/core';
import { LoraLinear } from '../layer/lora-linear.js';
import { resolveLoraConfig, type LoraConfig, type ResolvedLoraConfig } from './lora-config.js';
import { listLoraModules, listTargetModules } from './target-modules.js';

/** What {@link applyLoRA} / {@link applyPartialLoRA} did. */
export interface ApplyLoraResult {
  /** Paths of the linear layers that now carry an adapter (this call's). */
  targets: string[];
  /** Scalar parameters the optimiser will update (whole model, after freezing). */
  trainableParameters: number;
  /** Scalar parameters in the whole model, adapters included. */
  totalParameters: number;
  /** Scalar parameters in the adapters this call added. */
  adapterParameters: number;
}

/**
 * Adds standard LoRA adapters to the linear layers of `model` selected by `config.targets`
 * (PEFT `get_peft_model` with a `LoraConfig`): each becomes a {@link LoraLinear} computing
 * `x W + b + (alpha/r) · drop(x) A B` on every row, swapped in with `model.replaceModule`, so the
 * model's own forward uses it. With `freezeBase` (default) every other parameter is frozen, so an
 * optimiser built afterwards sees only the adapters (plus `trainableModules`).
 *
 * @throws when the targets match no linear layer (the error lists the ones that exist) or a
 *   selected layer already has an adapter.
 * @example
 * const model = createModel('vlm', 'tiny', { seed: 0 });
 * const { targets, trainableParameters } = applyLoRA(model, { rank: 8, alpha: 16, targets: 'llm-attention' });
 */
export function applyLoRA(model: Module, config: LoraConfig = {}): ApplyLoraResult {
  return inject(model, resolveLoraConfig(config, 'applyLoRA config'), false);
}

/**
 * Adds Partial LoRA adapters (InternLM-XComposer2's PLoRA): like {@link applyLoRA}, but each
 * update applies only to rows whose `visualMask` (passed by `VisionLanguageModel` to every
 * linear layer of its LM) is 1, i.e. to visual tokens. Text tokens, and any forward without a
 * visual mask (text-only use of the LM, generated tokens), see exactly the base weights; text is
 * affected only through attention to the adapted visual tokens. Default targets
 * `'llm-all-linear'`, as in the paper. Only modules that receive a `visualMask` can be adapted
 * usefully: the vision tower and projector of a `VisionLanguageModel` do not get one.
 */
export function applyPartialLoRA(model: Module, config: LoraConfig = {}): ApplyLoraResult {
  return inject(model, resolveLoraConfig(config, 'applyPartialLoRA config'), true);
}

function inject(model: Module, config: ResolvedLoraConfig, partial: boolean): ApplyLoraResult {
  const targets = listTargetModules(model, config.targets);
  if (config.trainableModules.length) {
    const paths = model.namedModules().map(([p]) => p);
    const missing = config.trainableModules.filter((t) => !paths.some((p) => p === t || p.endsWith(`.${t}`)));
    if (missing.length) throw new Error(`LoRA trainableModules: no module matches ${missing.map((m) => JSON.stringify(m)).join(', ')}`);
  }
  let adapterParameters = 0;
  for (const path of targets) {
    const base = model.getModule(path) as Linear;
    const lora = new LoraLinear(base, {
      rank: config.rank,
      alpha: config.alpha,
      dropout: config.dropout,
      useRsLoRA: config.useRsLoRA,
      partial,
      seed: deriveSeed(config.seed, path),
      initLoraWeights: config.initLoraWeights,
    });
    model.replaceModule(path, lora);
    base.dispose();
    adapterParameters += lora.loraA.size + lora.loraB.size;
  }
  if (config.freezeBase) keepOnlyAdaptersTrainable(model, config.trainableModules);
  else for (const p of listLoraModules(model)) for (const v of (model.getModule(p) as LoraLinear).adapterParameters()) v.trainable = true;
  return {
    targets,
    trainableParameters: model.parameterCount(true),
    totalParameters: model.parameterCount(),
    adapterParameters,
  };
}

/**
 * Freezes every parameter of `model` except the LoRA factors of every adapter in it and the
 * parameters of modules matching `trainableModules` (exact paths or path suffixes): PEFT's
 * `_mark_only_adapters_as_trainable` plus `modules_to_save`.
 */
export function keepOnlyAdaptersTrainable(model: Module, trainableModules: readonly string[]): void {
  const keep = (p: string) => trainableModules.some((t) => p === t || p.endsWith(`.${t}`));
  model.freeze();
  for (const [p, m] of model.namedModules()) if (p !== '' && keep(p)) m.unfreeze();
  for (const p of listLoraModules(model)) for (const v of (model.getModule(p) as LoraLinear).adapterParameters()) v.trainable = true;
}
