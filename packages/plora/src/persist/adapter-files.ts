import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Linear, loadSafetensors, saveSafetensors, tf, writeJson, type Module } from '@vlalign/core';
import { LoraLinear } from '../layer/lora-linear.js';
import { loraLayers } from '../inject/adapter-control.js';
import { applyLoRA, applyPartialLoRA, keepOnlyAdaptersTrainable } from '../inject/apply-lora.js';
import { listLinearModules } from '../inject/target-modules.js';
import { ADAPTER_FILES, PEFT_PREFIX, readAdapterConfig, type AdapterConfigFile } from './adapter-config-file.js';
import { baseModelFingerprint, baseParameterShapes, diffParameterShapes } from './base-fingerprint.js';

/** safetensors metadata key holding the base model's parameter listing (for mismatch messages). */
const BASE_SHAPES_KEY = 'vlalign.base_parameters';

/** What {@link saveAdapters} wrote. */
export interface SavedAdapters {
  /** The folder. */
  dir: string;
  /** Paths of the adapted modules. */
  targets: string[];
  /** The `adapter_config.json` contents. */
  config: Record<string, unknown>;
}

function mostCommon<T>(values: T[]): T {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
}

function uniform<T>(values: T[], field: string): T {
  if (new Set(values).size > 1) throw new Error(`saveAdapters: adapters in this model differ in ${field} (${[...new Set(values)].join(', ')}); one adapter file holds one ${field}`);
  return values[0];
}

/**
 * Saves every adapter of `model` in PEFT's layout:
 *
 * - `adapter_model.safetensors`: `base_model.model.<path>.lora_A.weight` `[r, in]` and
 *   `base_model.model.<path>.lora_B.weight` `[out, r]`, float32. These are PyTorch `nn.Linear`
 *   layouts, i.e. the transposes of vlalign's `[in, r]` / `[r, out]` (vlalign stores linear weights
 *   as `[in, out]`), so the file reads like one PEFT wrote for the same module names. Metadata:
 *   `format: pt` and the base model's parameter listing.
 * - `adapter_config.json`: `peft_type: "LORA"`, `r`, `lora_alpha`, `lora_dropout`,
 *   `target_modules` (full module paths), `use_rslora`, `rank_pattern` / `alpha_pattern` for modules
 *   whose rank or alpha differs from `r` / `lora_alpha`, `bias: "none"`, `fan_in_fan_out: false`,
 *   plus vlalign's `partial` (Partial LoRA), `partial_pattern` / `dropout_pattern` (per-module
 *   exceptions, like `rank_pattern`) and `base_model_fingerprint` (a hash of the base parameter
 *   names and shapes, see `baseModelFingerprint`). All adapters must share `use_rslora`.
 *
 * The base weights are not saved. Works while merged too (A and B are unchanged by merging).
 */
export function saveAdapters(model: Module, dir: string): SavedAdapters {
  const layers = loraLayers(model);
  if (!layers.length) throw new Error('saveAdapters: the model has no LoRA adapters to save');
  const r = mostCommon(layers.map(([, l]) => l.rank));
  const alpha = mostCommon(layers.map(([, l]) => l.alpha));
  const partial = mostCommon(layers.map(([, l]) => l.partial));
  const dropout = mostCommon(layers.map(([, l]) => l.dropout));
  const pattern = <T>(get: (l: LoraLinear) => T, common: T) =>
    Object.fromEntries(layers.filter(([, l]) => get(l) !== common).map(([p, l]) => [p, get(l)]));
  const config: Record<string, unknown> = {
    peft_type: 'LORA',
    task_type: null,
    base_model_name_or_path: null,
    r,
    lora_alpha: alpha,
    lora_dropout: dropout,
    target_modules: layers.map(([p]) => p),
    use_rslora: uniform(layers.map(([, l]) => l.useRsLoRA), 'useRsLoRA'),
    rank_pattern: pattern((l) => l.rank, r),
    alpha_pattern: pattern((l) => l.alpha, alpha),
    bias: 'none',
    fan_in_fan_out: false,
    init_lora_weights: true,
    inference_mode: false,
    partial,
    partial_pattern: pattern((l) => l.partial, partial),
    dropout_pattern: pattern((l) => l.dropout, dropout),
    base_model_fingerprint: baseModelFingerprint(model),
    library: '@vlalign/plora',
  };
  const tensors: Record<string, tf.Tensor> = {};
  try {
    for (const [path, layer] of layers) {
      tensors[`${PEFT_PREFIX}${path}.lora_A.weight`] = tf.transpose(layer.loraA);
      tensors[`${PEFT_PREFIX}${path}.lora_B.weight`] = tf.transpose(layer.loraB);
    }
    mkdirSync(dir, { recursive: true });
    saveSafetensors(join(dir, ADAPTER_FILES.weights), tensors, { format: 'pt', [BASE_SHAPES_KEY]: JSON.stringify(baseParameterShapes(model)) });
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  writeJson(join(dir, ADAPTER_FILES.config), config);
  return { dir, targets: layers.map(([p]) => p), config };
}

/** Options of {@link loadAdapters}. */
export interface LoadAdaptersOptions {
  /** Freeze everything but the adapters afterwards (as `applyLoRA` does). Default true. */
  freezeBase?: boolean;
  /**
   * Refuse a file whose `base_model_fingerprint` differs from the model's. Default true. With false
   * a differing base is accepted as long as every adapted module exists with matching shapes.
   */
  checkFingerprint?: boolean;
  /** With `freezeBase`, modules (paths or path suffixes) whose parameters stay trainable. Default none. */
  trainableModules?: string[];
}

/** What {@link loadAdapters} did. */
export interface LoadedAdapters {
  /** Paths of the modules whose adapters were loaded. */
  targets: string[];
  /** Paths where an adapter was added (the others already had one of the same rank and kind). */
  injected: string[];
  /** The parsed `adapter_config.json`. */
  config: AdapterConfigFile;
}

interface Planned {
  path: string;
  rank: number;
  alpha: number;
  partial: boolean;
  dropout: number;
  a: tf.Tensor;
  b: tf.Tensor;
  inject: boolean;
}

/**
 * Loads adapters written by {@link saveAdapters} (or by PEFT for a model with the same module paths)
 * into `model`. Modules that are still plain `Linear` get a fresh adapter of the saved rank / alpha /
 * kind first; modules that already have one must match its rank and kind. Everything is checked
 * before the model changes: a different base model (fingerprint; the error lists the differing
 * parameters), a module the model lacks, a tensor of the wrong shape, and tensors for modules the
 * config does not list are errors naming what differs.
 *
 * @param dir a folder holding `adapter_config.json` and `adapter_model.safetensors`.
 */
export function loadAdapters(model: Module, dir: string, options: LoadAdaptersOptions = {}): LoadedAdapters {
  const config = readAdapterConfig(dir);
  const file = join(dir, ADAPTER_FILES.weights);
  const { tensors, metadata } = loadSafetensors(file);
  try {
    if ((options.checkFingerprint ?? true) && config.base_model_fingerprint) {
      const actual = baseModelFingerprint(model);
      if (actual !== config.base_model_fingerprint) {
        let detail = '';
        try {
          const expected = JSON.parse(metadata[BASE_SHAPES_KEY] ?? 'null') as Record<string, number[]> | null;
          if (expected) detail = `:\n  ${diffParameterShapes(expected, baseParameterShapes(model)).join('\n  ')}`;
        } catch {
          // A damaged listing only costs the detail; the fingerprints already decide.
        }
        throw new Error(
          `loadAdapters: ${dir} was saved for a different base model (fingerprint ${config.base_model_fingerprint}, this model ${actual})${detail}` +
            '\n(pass { checkFingerprint: false } to load anyway when every adapted module still matches)',
        );
      }
    }
    const plan = planLoad(model, config, tensors, file);
    const groups = new Map<string, Planned[]>();
    for (const p of plan.filter((q) => q.inject)) {
      const key = `${p.rank}/${p.alpha}/${p.partial}/${p.dropout}`;
      groups.set(key, [...(groups.get(key) ?? []), p]);
    }
    for (const group of groups.values()) {
      const { rank, alpha, partial, dropout } = group[0];
      const apply = partial ? applyPartialLoRA : applyLoRA;
      apply(model, { rank, alpha, dropout, useRsLoRA: config.use_rslora, targets: exactPaths(group.map((p) => p.path)), freezeBase: false });
    }
    for (const p of plan) {
      const layer = model.getModule(p.path) as LoraLinear;
      tf.tidy(() => {
        layer.loraA.assign(tf.transpose(p.a));
        layer.loraB.assign(tf.transpose(p.b));
      });
    }
    if (options.freezeBase ?? true) keepOnlyAdaptersTrainable(model, options.trainableModules ?? []);
    return { targets: plan.map((p) => p.path), injected: plan.filter((p) => p.inject).map((p) => p.path), config };
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

function planLoad(model: Module, config: AdapterConfigFile, tensors: Record<string, tf.Tensor>, file: string): Planned[] {
  const errors: string[] = [];
  const used = new Set<string>();
  const plan: Planned[] = [];
  for (const path of config.target_modules) {
    const rank = config.rank_pattern[path] ?? config.r;
    const alpha = config.alpha_pattern[path] ?? config.lora_alpha;
    const partial = config.partial_pattern[path] ?? config.partial;
    const dropout = config.dropout_pattern[path] ?? config.lora_dropout;
    let module: Module;
    try {
      module = model.getModule(path);
    } catch {
      errors.push(`module "${path}" does not exist in the model`);
      continue;
    }
    if (!(module instanceof Linear) && !(module instanceof LoraLinear)) {
      errors.push(`module "${path}" is a ${module.constructor.name}, not a linear layer`);
      continue;
    }
    if (module instanceof LoraLinear && (module.rank !== rank || module.partial !== partial)) {
      errors.push(`module "${path}" already has a ${module.partial ? 'partial' : 'standard'} adapter of rank ${module.rank}; the file has a ${partial ? 'partial' : 'standard'} one of rank ${rank}`);
      continue;
    }
    const { inFeatures, outFeatures } = module as Linear | LoraLinear;
    const keyA = `${PEFT_PREFIX}${path}.lora_A.weight`;
    const keyB = `${PEFT_PREFIX}${path}.lora_B.weight`;
    const a = tensors[keyA];
    const b = tensors[keyB];
    const check = (key: string, t: tf.Tensor | undefined, shape: number[]) => {
      if (!t) errors.push(`tensor "${key}" is missing from ${file}`);
      else if (t.shape.join(',') !== shape.join(',')) errors.push(`tensor "${key}" is [${t.shape}] but module "${path}" needs [${shape}]`);
      used.add(key);
    };
    check(keyA, a, [rank, inFeatures]);
    check(keyB, b, [outFeatures, rank]);
    if (a && b) plan.push({ path, rank, alpha, partial, dropout, a, b, inject: module instanceof Linear });
  }
  const extra = Object.keys(tensors).filter((k) => !used.has(k));
  if (extra.length) errors.push(`${file} has tensors for modules not in target_modules: ${extra.slice(0, 6).join(', ')}${extra.length > 6 ? ', ...' : ''}`);
  if (errors.length) {
    const linears = listLinearModules(model);
    throw new Error(
      `loadAdapters: the adapter does not fit this model:\n  ${errors.join('\n  ')}` +
        (errors.some((e) => e.includes('does not exist')) ? `\nLinear modules of the model: ${linears.slice(0, 24).join(', ')}${linears.length > 24 ? ', ...' : ''}` : ''),
    );
  }
  return plan;
}

/** A RegExp matching exactly these module paths (a suffix list could also catch a nested namesake). */
function exactPaths(paths: string[]): RegExp {
  return new RegExp(paths.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
}
