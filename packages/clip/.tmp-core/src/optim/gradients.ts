import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradients as the optimiser accepts them: a map from variables, or a `NamedTensorMap` keyed by
 * variable name (what `tf.variableGrads` returns). Null/undefined entries mean "no gradient".
 */
export type GradientsInput = Map<tf.Variable, tf.Tensor | null | undefined> | Record<string, tf.Tensor | null | undefined>;

/** Resolves {@link GradientsInput} to (variable, gradient) pairs, skipping empty entries. */
export function resolveGradients(grads: GradientsInput, caller: string): [tf.Variable, tf.Tensor][] {
  const out: [tf.Variable, tf.Tensor][] = [];
  if (grads instanceof Map) {
    for (const [v, g] of grads) if (g) out.push([v, g]);
    return out;
  }
  const registry = tf.engine().registeredVariables;
  for (const [name, g] of Object.entries(grads)) {
    if (!g) continue;
    const v = registry[name];
    if (!v) throw new Error(`${caller}: no registered variable named "${name}" (keys of a NamedTensorMap must be variable names)`);
    out.push([v, g]);
  }
  return out;
}
