import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { applyFanInInit, createModel, findLatestCheckpoint, listModelPresets, loadCheckpoint, loadSafetensors, tf, type Module } from '@vlalign/core';
import type { VlalignConfig } from '../config/schema.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** Builds the config's model (preset + overrides), optionally initialised from earlier weights. */
export function buildModel(spec: VlalignConfig['model'], seed: number, vocabSize: number, configDir: string): Module {
  const preset = listModelPresets().find((p) => p.kind === spec.kind && p.name === spec.preset);
  if (!preset) {
    const names = listModelPresets().filter((p) => p.kind === spec.kind).map((p) => p.name);
    throw new Error(`model.preset "${spec.preset}" is not a ${spec.kind} preset; available: ${names.join(', ')}`);
  }
  const config = deepMerge(preset.config, spec.overrides);
  const model = createModel(spec.kind, config as never, { seed, vocabSize }) as Module;
  if (spec.weightInit === 'fan-in') applyFanInInit(model, seed);
  if (spec.init) loadInitialWeights(model, resolve(configDir, spec.init));
  return model;
}

/**
 * Loads weights from a run folder (its newest checkpoint) or a `.safetensors` file. Plugin-owned
 * modules (`plugins.*`) are not part of the model and are skipped.
 */
function loadInitialWeights(model: Module, path: string): void {
  if (!existsSync(path)) throw new Error(`model.init: ${path} does not exist (expected a run folder or a .safetensors file)`);
  let tensors: Record<string, tf.Tensor>;
  if (statSync(path).isDirectory()) {
    const ckpt = findLatestCheckpoint(path) ?? (existsSync(join(path, 'model.safetensors')) ? path : undefined);
    if (!ckpt) throw new Error(`model.init: no checkpoint found in ${path}`);
    const loaded = loadCheckpoint(ckpt);
    tf.dispose(Object.values(loaded.optimizer));
    tensors = loaded.model;
  } else {
    tensors = loadSafetensors(path).tensors;
  }
  const own: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(tensors)) {
    if (k.startsWith('plugins.')) v.dispose();
    else own[k] = v;
  }
  try {
    model.loadStateDict(own);
  } catch (err) {
    throw new Error(`model.init: ${path} does not fit model ${JSON.stringify(model.constructor.name)}: ${(err as Error).message}`);
  } finally {
    tf.dispose(Object.values(own));
  }
}
