import type { Module } from '@vlalign/core';
import { loraLayers } from '../inject/adapter-control.js';

/** Parameter counts of a model with adapters (what the `adapters` eval hook reports). */
export interface AdapterStats {
  /** Modules carrying an adapter. */
  adapter_modules: number;
  /** Scalar parameters in the LoRA factors. */
  adapter_parameters: number;
  /** Scalar parameters the optimiser updates. */
  trainable_parameters: number;
  /** Scalar parameters in the model. */
  total_parameters: number;
  /** trainable / total. */
  trainable_fraction: number;
  /** adapter / total. */
  adapter_fraction: number;
}

/** Counts adapter, trainable and total parameters of `model` (PEFT's `print_trainable_parameters`). */
export function adapterStats(model: Module): AdapterStats {
  const layers = loraLayers(model);
  const adapter = layers.reduce((n, [, l]) => n + l.loraA.size + l.loraB.size, 0);
  const trainable = model.parameterCount(true);
  const total = model.parameterCount();
  return {
    adapter_modules: layers.length,
    adapter_parameters: adapter,
    trainable_parameters: trainable,
    total_parameters: total,
    trainable_fraction: total ? trainable / total : 0,
    adapter_fraction: total ? adapter / total : 0,
  };
}
