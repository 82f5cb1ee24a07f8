import { Dropout, Linear, Module, deriveSeed, isNoDecay, tf, type LinearContext, type LinearLike } from '@vlalign/core';
import { kaimingUniformA, loraScaling } from './lora-init.js';
import { LoraMatrix } from './lora-matrix.js';
import { linearBase, loraDelta } from './partial-lora-linear.js';
import { routeRows, rowSelector } from './row-mask.js';

/** Options of {@link LoraLinear}. */
export interface LoraLinearOptions {
  /** Rank r of the update (a positive integer). */
  rank: number;
  /** Scale numerator: the update is multiplied by `alpha / r` (or `alpha / sqrt(r)` with rsLoRA). */
  alpha: number;
  /** Dropout rate on the adapter's input (training mode only; the base path never sees it). Default 0. */
  dropout?: number;
  /** Scale by `alpha / sqrt(r)` instead of `alpha / r` (rank-stabilised LoRA). Default false. */
  useRsLoRA?: boolean;
  /**
   * Partial LoRA: apply the update only on rows where the forward context's `visualMask` is 1, and
   * not at all when no mask is given. Default false (standard LoRA on every row).
   */
  partial?: boolean;
  /** Seed of `lora_A`'s init and of the dropout stream. Default 0. */
  seed?: number;
  /**
   * `true` (default, as PEFT): A Kaiming-uniform, B = 0, so the adapted layer starts equal to the
   * base. `false`: B is Kaiming-uniform too, as in the released InternLM-XComposer2 PLoRA code (its
   * zero-init of B never runs); useful for tests and for reproducing that code.
   */
  initLoraWeights?: boolean;
}

/**
 * A linear layer with a low-rank adapter: `y = x W + b + s · drop(x) A B` (LoRA, Hu et al. 2021),
 * or, with `partial: true`, the same update only on visual-token rows (Partial LoRA / PLoRA from
 * InternLM-XComposer2, Dong et al. 2024), selected by the `visualMask` the models pass to every
 * linear layer.
 *
 * Parameter names keep state dicts compatible both ways: the base layer's `weight` `[in, out]` and
 * `bias` `[out]` stay under their own names (so a plain checkpoint of the base model loads into the
 * adapted model with `{ strict: false }`), and the factors are `lora_A.weight` `[in, r]` and
 * `lora_B.weight` `[r, out]` (PEFT names; PEFT stores them transposed, see `saveAdapters`).
 *
 * Guarantees:
 * - with B = 0 (the default init) the output equals the base layer's bit for bit;
 * - in partial mode, rows with mask 0, and every row when no mask is given, are bit for bit the base
 *   output at any point of training (the base product is computed alone and the update routed in
 *   with a select), and A and B get no gradient from them;
 * - with an all-ones mask partial mode equals standard LoRA;
 * - {@link merge} / {@link unmerge} fold the update into the weights for inference and restore
 *   the original weights exactly (from a kept copy, not by subtraction).
 *
 * Init deviates on purpose from the released PLoRA code, whose B is not zero (see
 * {@link LoraLinearOptions.initLoraWeights}).
 */
export class LoraLinear extends Module implements LinearLike {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly rank: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly useRsLoRA: boolean;
  readonly partial: boolean;
  /** `alpha / r`, or `alpha / sqrt(r)` with rsLoRA. */
  readonly scaling: number;
  /** Base weight `[in, out]` (holds the merged weight while a standard adapter is merged). */
  readonly weight: tf.Variable;
  /** Base bias `[out]`, if the base layer had one. */
  readonly bias?: tf.Variable;
  /**
   * When false the layer computes the base output only (PEFT's `disable_adapters`), e.g. for a
   * reference model in preference training. Default true.
   */
  adapterEnabled = true;
  private readonly drop?: Dropout;
  /** The pre-merge base weight while a standard adapter is merged. */
  private originalWeight?: tf.Tensor2D;
  /** `W + s A B` while a partial adapter is merged (visual rows use it, others use `weight`). */
  private imageWeight?: tf.Tensor2D;

  /**
   * Wraps `base`, taking over its weight and bias values (the base layer itself is left as it was;
   * dispose it when it is no longer used). Trainability and no-decay marks of the base parameters
   * are kept.
   */
  constructor(base: Linear, options: LoraLinearOptions) {
    super();
    const { rank, alpha } = options;
    const dropout = options.dropout ?? 0;
    if (!(base instanceof Linear)) throw new Error('LoraLinear: base must be a core Linear layer');
    if (!Number.isInteger(rank) || rank <= 0) throw new Error(`LoraLinear: rank must be a positive integer, got ${rank}`);
    if (!Number.isFinite(alpha) || alpha <= 0) throw new Error(`LoraLinear: alpha must be a positive number, got ${alpha}`);
    if (!(dropout >= 0 && dropout < 1)) throw new Error(`LoraLinear: dropout must be in [0, 1), got ${dropout}`);
    const seed = options.seed ?? 0;
    this.inFeatures = base.inFeatures;
    this.outFeatures = base.outFeatures;
    this.rank = rank;
    this.alpha = alpha;
    this.dropout = dropout;
    this.useRsLoRA = options.useRsLoRA ?? false;
    this.partial = options.partial ?? false;
    this.scaling = loraScaling(rank, alpha, this.useRsLoRA);
    this.training = base.training;
    // tf.clone shares the buffer (tfjs variables are copy-on-assign), so taking over costs no copy.
    this.weight = this.registerParameter('weight', tf.clone(base.weight), { frozen: !base.weight.trainable, noDecay: isNoDecay(base.weight) });
    if (base.bias) this.bias = this.registerParameter('bias', tf.clone(base.bias), { frozen: !base.bias.trainable, noDecay: isNoDecay(base.bias) });
    this.registerModule('lora_A', new LoraMatrix(kaimingUniformA(this.inFeatures, rank, deriveSeed(seed, 'lora_A'))));
    const initB = options.initLoraWeights === false ? kaimingUniformA(rank, this.outFeatures, deriveSeed(seed, 'lora_B')) : tf.zeros([rank, this.outFeatures]);
    this.registerModule('lora_B', new LoraMatrix(initB as tf.Tensor2D));
    if (dropout > 0) this.drop = this.registerModule('lora_dropout', new Dropout(dropout, { seed: deriveSeed(seed, 'lora_dropout') }));
    if (this.drop) this.drop.training = this.training;
  }

  /** Down-projection `[in, r]`. */
  get loraA(): tf.Variable {
    return (this.getModule('lora_A') as LoraMatrix).weight;
  }

  /** Up-projection `[r, out]`. */
  get loraB(): tf.Variable {
    return (this.getModule('lora_B') as LoraMatrix).weight;
  }

  /** The adapter's own parameters (A and B). */
  adapterParameters(): tf.Variable[] {
    return [this.loraA, this.loraB];
  }

  /** True between {@link merge} and {@link unmerge}. */
  get merged(): boolean {
    return this.originalWeight !== undefined || this.imageWeight !== undefined;
  }

  /**
   * Applies the layer to `x` `[..., in]`.
   * @param ctx - in partial mode, `ctx.visualMask` (0/1, x's leading shape) selects the rows that
   *   get the update; without it no row does. Ignored in standard mode.
   */
  forward(x: tf.Tensor, ctx?: LinearContext): tf.Tensor {
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(`LoraLinear.forward: expected input [..., ${this.inFeatures}], got [${x.shape}]`);
    }
    return tf.tidy(() => {
      const x2 = (x.rank === 2 ? x : tf.reshape(x, [-1, this.inFeatures])) as tf.Tensor2D;
      const y = this.forward2d(x2, ctx?.visualMask);
      return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
    });
  }

  private forward2d(x: tf.Tensor2D, mask: tf.Tensor | undefined): tf.Tensor2D {
    const w = this.weight as tf.Tensor2D;
    const b = this.bias as tf.Tensor1D | undefined;
    if (!this.adapterEnabled) return linearBase(x, this.originalWeight ?? w, b);
    if (!this.partial) return this.merged ? linearBase(x, w, b) : tf.add(linearBase(x, w, b), this.delta(x));
    if (!mask) return linearBase(x, w, b);
    const base = linearBase(x, w, b);
    const adapted = this.imageWeight ? linearBase(x, this.imageWeight, b) : tf.add(base, this.delta(x));
    return routeRows(rowSelector(mask, x.shape[0], 'LoraLinear.forward'), adapted, base) as tf.Tensor2D;
  }

  private delta(x: tf.Tensor2D): tf.Tensor2D {
    const input = this.drop ? (this.drop.forward(x) as tf.Tensor2D) : x;
    return loraDelta(input, this.loraA as tf.Tensor2D, this.loraB as tf.Tensor2D, this.scaling);
  }

  /** `s · A B` `[in, out]`; throws when it is not finite (PEFT's `safe_merge` check). */
  deltaWeight(): tf.Tensor2D {
    const delta = tf.tidy(() => tf.mul(tf.matMul(this.loraA, this.loraB), this.scaling) as tf.Tensor2D);
    const finite = tf.tidy(() => tf.all(tf.isFinite(delta)).dataSync()[0]);
    if (!finite) {
      delta.dispose();
      throw new Error('LoraLinear.merge: the adapter update s·A·B contains NaN or Inf; refusing to merge');
    }
    return delta;
  }

  /**
   * Folds the update into the weights for faster inference. Standard mode: `W <- W + s A B` (the
   * original W is kept to restore exactly). Partial mode: a single matrix cannot serve both kinds of
   * rows, so a second weight `W_img = W + s A B` is kept and visual rows use it; `W` is unchanged.
   * While merged, A and B are not used by `forward` (so they get no gradients), and a standard
   * adapter's `weight` parameter holds the merged value: unmerge before saving a full checkpoint
   * (adapter files are unaffected). Calling it again while merged does nothing. Throws if the
   * update has NaN/Inf.
   */
  merge(): this {
    if (this.merged) return this;
    const delta = this.deltaWeight();
    if (this.partial) {
      this.imageWeight = tf.tidy(() => tf.add(this.weight, delta) as tf.Tensor2D);
    } else {
      const merged = tf.add(this.weight, delta);
      this.originalWeight = tf.clone(this.weight) as tf.Tensor2D;
      this.weight.assign(merged);
      merged.dispose();
    }
    delta.dispose();
    return this;
  }

  /** Undoes {@link merge}, restoring the original weight bit for bit. Does nothing when not merged. */
  unmerge(): this {
    if (this.originalWeight) {
      this.weight.assign(this.originalWeight);
      this.originalWeight.dispose();
      this.originalWeight = undefined;
    }
    if (this.imageWeight) {
      this.imageWeight.dispose();
      this.imageWeight = undefined;
    }
    return this;
  }

  /** Disposes the parameters and any merge state. */
  override dispose(): void {
    this.unmerge();
    super.dispose();
  }
}
