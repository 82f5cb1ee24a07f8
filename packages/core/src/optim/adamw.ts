import * as tf from '@tensorflow/tfjs-core';
import { isNoDecay } from '../nn/module.js';
import { resolveGradients, type GradientsInput } from './gradients.js';
import { useFusedOps } from '../ops/fused-switch.js';
import { fusedAdamWUpdateMany, type AdamWManyItem } from '../ops/adamw-update.js';

/** Options of {@link AdamW}; defaults follow `torch.optim.AdamW`. */
export interface AdamWOptions {
  /** Exponential decay of the first moment. Default 0.9. */
  beta1?: number;
  /** Exponential decay of the second moment. Default 0.999. */
  beta2?: number;
  /** Added to the denominator for stability. Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay coefficient (multiplied by the step's lr). Default 0.01. */
  weightDecay?: number;
  /**
   * Which variables get no weight decay. Default: those marked with `markNoDecay` (biases, norms,
   * embeddings) plus every variable of rank < 2 (scalars and vectors are never decayed).
   */
  noDecay?: (v: tf.Variable) => boolean;
}

/** Per-variable state, kept in non-trainable variables so updates assign in place. */
interface SlotState {
  expAvg: tf.Variable;
  expAvgSq: tf.Variable;
  /** Updates applied to this variable (torch keeps a per-parameter step too). */
  step: number;
}

/** Default no-decay rule: explicitly marked variables and every variable of rank < 2. */
export function defaultNoDecay(v: tf.Variable): boolean {
  return isNoDecay(v) || v.rank < 2;
}

let slotCounter = 0;

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay
 * Regularization"), matching `torch.optim.AdamW` (amsgrad=False, maximize=False):
 *
 * ```
 * p <- p * (1 - lr * weightDecay)                      (skipped for no-decay variables)
 * m <- beta1 * m + (1 - beta1) * g
 * v <- beta2 * v + (1 - beta2) * g^2
 * p <- p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * ```
 *
 * `t` counts the updates of each variable (a variable that gets no gradient in a step is left
 * alone, as torch skips parameters whose `.grad` is None). Frozen variables (`trainable = false`)
 * are never updated.
 *
 * @example
 * const opt = new AdamW({ weightDecay: 0.05 });
 * const { value, grads } = tf.variableGrads(() => loss(), model.trainableParameters());
 * opt.step(grads, 3e-4);
 * tf.dispose(grads); value.dispose();
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly noDecay: (v: tf.Variable) => boolean;
  private readonly slots = new Map<tf.Variable, SlotState>();
  /** Number of {@link step} calls so far. */
  stepCount = 0;

  constructor(options: AdamWOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    this.noDecay = options.noDecay ?? defaultNoDecay;
    for (const [k, val, lo, hi] of [
      ['beta1', this.beta1, 0, 1],
      ['beta2', this.beta2, 0, 1],
    ] as const) {
      if (!(val >= lo && val < hi)) throw new RangeError(`AdamW: ${k} must be in [${lo}, ${hi}); got ${val}`);
    }
    if (!(this.eps >= 0)) throw new RangeError(`AdamW: eps must be >= 0; got ${this.eps}`);
    if (!(this.weightDecay >= 0)) throw new RangeError(`AdamW: weightDecay must be >= 0; got ${this.weightDecay}`);
  }

  /** Whether `v` is excluded from weight decay under this optimiser's rule. */
  isNoDecay(v: tf.Variable): boolean {
    return this.noDecay(v);
  }

  /**
   * Applies one update with learning rate `lr`. `grads` maps variables (or variable names, as
   * `tf.variableGrads` returns them) to gradients; null entries are skipped. The gradients are
   * not disposed (the caller owns them).
   */
  step(grads: GradientsInput, lr: number): void {
    if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`AdamW.step: lr must be a finite number >= 0; got ${lr}`);
    this.stepCount++;
    const fused = useFusedOps();
    const batch: (AdamWManyItem & { variable: tf.Variable; slot: SlotState })[] = [];
    for (const [v, g] of resolveGradients(grads, 'AdamW.step')) {
      if (!v.trainable) continue;
      if (g.shape.length !== v.shape.length || g.shape.some((d, i) => d !== v.shape[i])) {
        throw new Error(`AdamW.step: gradient for variable "${v.name}" has shape [${g.shape}] but the variable is [${v.shape}]`);
      }
      const slot = this.slot(v);
      slot.step++;
      const bc1 = 1 - this.beta1 ** slot.step;
      const bc2 = 1 - this.beta2 ** slot.step;
      const decay = this.weightDecay > 0 && !this.noDecay(v) ? 1 - lr * this.weightDecay : 1;
      if (fused && v.dtype === 'float32' && g.dtype === 'float32') {
        batch.push({ variable: v, slot, p: v, m: slot.expAvg, v: slot.expAvgSq, g, bc1, bc2, decay });
        continue;
      }
      tf.tidy(() => {
        const m = tf.add(tf.mul(slot.expAvg, this.beta1), tf.mul(g, 1 - this.beta1));
        const s = tf.add(tf.mul(slot.expAvgSq, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const denom = tf.add(tf.div(tf.sqrt(s), Math.sqrt(bc2)), this.eps);
        const update = tf.mul(tf.div(m, denom), lr / bc1);
        const base = decay === 1 ? v : tf.mul(v, decay);
        v.assign(tf.sub(base, update));
        slot.expAvg.assign(m);
        slot.expAvgSq.assign(s);
      });
    }
    // Every float32 variable in ONE kernel call (see ops/adamw-update.ts), then plain assigns.
    const updated = fusedAdamWUpdateMany(batch, { lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps });
    batch.forEach(({ variable, slot }, i) => {
      const [p2, m2, s2] = updated[i];
      variable.assign(p2);
      slot.expAvg.assign(m2);
      slot.expAvgSq.assign(s2);
      tf.dispose([p2, m2, s2]);
    });
  }

  private slot(v: tf.Variable): SlotState {
    let slot = this.slots.get(v);
    if (!slot) {
      const id = slotCounter++;
      // tf.variable copies its initial value, so the zeros must be freed here.
      const zeroVariable = (name: string): tf.Variable => {
        const zeros = tf.zerosLike(v);
        const out = tf.variable(zeros, false, name);
        zeros.dispose();
        return out;
      };
      slot = { expAvg: zeroVariable(`adamw_${id}_exp_avg`), expAvgSq: zeroVariable(`adamw_${id}_exp_avg_sq`), step: 0 };
      this.slots.set(v, slot);
    }
    return slot;
  }

  /**
   * The optimiser state as named tensors, for checkpoints: `<name>.exp_avg`, `<name>.exp_avg_sq`
   * and `<name>.step` (a scalar) for each variable that has state, named through `names`.
   * Returns NEW tensors the caller must dispose (so a later step cannot change a pending save).
   * Variables with state but without a name throw.
   */
  getState(names: Map<tf.Variable, string>): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [v, slot] of this.slots) {
      const name = names.get(v);
      if (name === undefined) {
        if (v.isDisposed) continue;
        throw new Error(`AdamW.getState: no name given for variable "${v.name}" of shape [${v.shape}]`);
      }
      out[`${name}.exp_avg`] = slot.expAvg.clone();
      out[`${name}.exp_avg_sq`] = slot.expAvgSq.clone();
      out[`${name}.step`] = tf.scalar(slot.step, 'float32');
    }
    return out;
  }

  /**
   * Restores state written by {@link getState}. Entries for names not in `names` are ignored;
   * variables without entries start fresh. The given tensors are not disposed.
   * `stepCount` restores the count of step calls (default: the largest per-variable step).
   */
  setState(state: Record<string, tf.Tensor>, names: Map<tf.Variable, string>, stepCount?: number): void {
    this.reset();
    let maxStep = 0;
    for (const [v, name] of names) {
      const m = state[`${name}.exp_avg`];
      const s = state[`${name}.exp_avg_sq`];
      const t = state[`${name}.step`];
      if (!m && !s && !t) continue;
      if (!m || !s || !t) throw new Error(`AdamW.setState: incomplete state for "${name}" (need exp_avg, exp_avg_sq and step)`);
      for (const [k, x] of [['exp_avg', m], ['exp_avg_sq', s]] as const) {
        if (x.shape.length !== v.shape.length || x.shape.some((d, i) => d !== v.shape[i])) {
          throw new Error(`AdamW.setState: "${name}.${k}" has shape [${x.shape}] but the variable is [${v.shape}]`);
        }
      }
      const slot = this.slot(v);
      slot.expAvg.assign(m.dtype === 'float32' ? m : tf.cast(m, 'float32'));
      slot.expAvgSq.assign(s.dtype === 'float32' ? s : tf.cast(s, 'float32'));
      slot.step = Math.round(t.dataSync()[0]);
      maxStep = Math.max(maxStep, slot.step);
    }
    this.stepCount = stepCount ?? maxStep;
  }

  /** Drops all state (moments and step counts). */
  reset(): void {
    for (const slot of this.slots.values()) {
      slot.expAvg.dispose();
      slot.expAvgSq.dispose();
    }
    this.slots.clear();
    this.stepCount = 0;
  }

  /** Frees the optimiser's state tensors. */
  dispose(): void {
    this.reset();
  }
}
