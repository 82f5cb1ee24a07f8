import * as tf from '@tensorflow/tfjs-core';
import type { Sample } from '../data/types.js';
import type { Plugin, PluginContext } from './plugin.js';

/** One plugin's input to a micro-step. */
export interface MicroStepPart {
  name: string;
  plugin: Plugin;
  weight: number;
  ctx: PluginContext;
  samples: Sample[];
  prepared: unknown;
}

/** What a micro-step produced. Tensors are owned by the caller. */
export interface MicroStepResult {
  /** Gradients by variable (sum over plugins, weights applied). */
  grads: Map<tf.Variable, tf.Tensor>;
  /** Scalars to read back at the end of the step, by metric key (`loss`, `<plugin>/loss`, ...). */
  scalars: Map<string, tf.Scalar>;
  /** Metrics already known as numbers (computeGradients plugins, number-valued metrics). */
  numbers: Map<string, number>;
}

function asScalar(t: tf.Tensor, what: string): tf.Scalar {
  if (t.rank === 0) return t as tf.Scalar;
  if (t.size === 1) return tf.reshape(t, []) as tf.Scalar;
  throw new Error(`${what} must be a scalar tensor; got shape [${t.shape}]`);
}

/**
 * Runs one micro-step: every `loss` plugin inside ONE gradient tape over `vars` (the total is
 * `sum(weight_i * loss_i)`), then every `computeGradients` plugin, whose weighted gradients are
 * added. Loss and metric tensors are kept out of the tape's tidy so they can be read after the
 * optimiser step with a single readback.
 */
export function runMicroStep(parts: MicroStepPart[], vars: tf.Variable[]): MicroStepResult {
  const scalars = new Map<string, tf.Scalar>();
  const numbers = new Map<string, number>();
  const grads = new Map<tf.Variable, tf.Tensor>();
  const tapeParts = parts.filter((p) => p.plugin.loss);
  try {
    if (tapeParts.length > 0) {
      const byName = new Map(vars.map((v) => [v.name, v]));
      const { value, grads: named } = tf.variableGrads(() => {
        const weighted: tf.Tensor[] = [];
        for (const p of tapeParts) {
          let out;
          try {
            out = p.plugin.loss!(p.samples, p.ctx, p.prepared);
          } catch (err) {
            throw wrap(err, `Plugin "${p.name}" loss() failed at step ${p.ctx.step}`);
          }
          if (!out || !(out.loss instanceof tf.Tensor)) throw new Error(`Plugin "${p.name}" loss() must return { loss: tf.Scalar, metrics? }`);
          const loss = asScalar(out.loss, `Plugin "${p.name}" loss`);
          scalars.set(`${p.name}/loss`, tf.keep(loss));
          for (const [k, v] of Object.entries(out.metrics ?? {})) {
            const key = `${p.name}/${k}`;
            if (typeof v === 'number') numbers.set(key, v);
            else if (v instanceof tf.Tensor) scalars.set(key, tf.keep(v.rank === 0 ? (v as tf.Scalar) : (tf.mean(v) as tf.Scalar)));
          }
          weighted.push(p.weight === 1 ? loss : tf.mul(loss, p.weight));
        }
        return (weighted.length === 1 ? weighted[0] : tf.addN(weighted)) as tf.Scalar;
      }, vars);
      scalars.set('loss', value);
      for (const [name, g] of Object.entries(named)) {
        if (!g) continue;
        const v = byName.get(name);
        if (v) grads.set(v, g);
        else g.dispose();
      }
    }
    for (const p of parts) {
      if (!p.plugin.computeGradients) continue;
      let r;
      try {
        r = p.plugin.computeGradients(p.samples, p.ctx, p.prepared);
      } catch (err) {
        throw wrap(err, `Plugin "${p.name}" computeGradients() failed at step ${p.ctx.step}`);
      }
      numbers.set(`${p.name}/loss`, r.loss);
      numbers.set('loss', (numbers.get('loss') ?? 0) + p.weight * r.loss);
      for (const [k, v] of Object.entries(r.metrics ?? {})) numbers.set(`${p.name}/${k}`, v);
      for (const [v, g] of r.grads) {
        const scaled = p.weight === 1 ? g : tf.mul(g, p.weight);
        if (scaled !== g) g.dispose();
        const prev = grads.get(v);
        if (prev) {
          grads.set(v, tf.add(prev, scaled));
          prev.dispose();
          scaled.dispose();
        } else grads.set(v, scaled);
      }
    }
  } catch (err) {
    tf.dispose([...scalars.values(), ...grads.values()]);
    throw err;
  }
  return { grads, scalars, numbers };
}

function wrap(err: unknown, context: string): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  e.message = `${context}: ${e.message}`;
  return e;
}
