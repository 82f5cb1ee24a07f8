import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module.js';
import type { SeededRandomState } from '../data/seeded-random.js';
import type { DataStreamState } from './data-stream.js';

/** The JSON part of a trainer checkpoint (`trainer-state.json` -> `state`). */
export interface TrainerCheckpointState {
  version: 1;
  step: number;
  seed: number;
  /** Optimiser `stepCount`. */
  optimizerSteps: number;
  /** Data position per plugin. */
  streams: Record<string, DataStreamState>;
  /** Each plugin's `ctx.random()` stream. */
  pluginRandom: Record<string, SeededRandomState>;
  /** What each plugin's `saveState()` returned. */
  pluginStates: Record<string, unknown>;
  /** Random-stream positions of modules (dropout) by path. */
  moduleRng: Record<string, number>;
}

/** Prefix of plugin-registered module parameters in a checkpoint: `plugins.<plugin>.<module>.`. */
export function pluginModulePrefix(plugin: string, module: string): string {
  return `plugins.${plugin}.${module}`;
}

/**
 * Names every parameter the run trains or checkpoints: the model's own dotted names, then
 * `plugins.<plugin>.<module>.<param>` for plugin modules. A variable reachable twice (a plugin
 * module that is also part of the model) keeps its first name.
 */
export function nameParameters(model: Module, pluginModules: Map<string, Map<string, Module>>): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  const seen = new Set<tf.Variable>();
  const add = (entries: [string, tf.Variable][]) => {
    for (const [k, v] of entries) {
      if (seen.has(v)) continue;
      seen.add(v);
      out.set(k, v);
    }
  };
  add(model.namedParameters());
  for (const [plugin, mods] of pluginModules) for (const [name, m] of mods) add(m.namedParameters(pluginModulePrefix(plugin, name)));
  return out;
}
