import { Module, tf } from '@vlalign/core';

/** Options of {@link LogitHead}. */
export interface LogitHeadOptions {
  /** Initial natural log of the logit scale. */
  initLogScale: number;
  /** Initial logit bias; omit for no bias (InfoNCE). */
  initBias?: number;
  /** Upper clamp of the scale itself (not its log), e.g. 100. */
  maxScale: number;
}

/**
 * The learnable temperature of a contrastive loss: a log-space scale `logit_scale` (and, for
 * SigLIP, a `logit_bias`). Both are excluded from weight decay. Keeping the log as the parameter
 * keeps the scale positive and makes its updates relative, as in CLIP.
 */
export class LogitHead extends Module {
  readonly logScale: tf.Variable;
  readonly bias?: tf.Variable;
  readonly maxScale: number;

  constructor({ initLogScale, initBias, maxScale }: LogitHeadOptions) {
    super();
    if (!(maxScale > 1)) throw new Error(`LogitHead: maxScale must be > 1; got ${maxScale}`);
    this.maxScale = maxScale;
    this.logScale = this.registerParameter('logit_scale', tf.scalar(initLogScale), { noDecay: true });
    if (initBias !== undefined) this.bias = this.registerParameter('logit_bias', tf.scalar(initBias), { noDecay: true });
  }

  /** `exp(logit_scale)` as a new scalar tensor (differentiable). */
  scale(): tf.Scalar {
    return tf.exp(this.logScale) as tf.Scalar;
  }

  /** Clamps the log scale in place to `[0, ln(maxScale)]` (open_clip does this after every step). */
  clamp(): void {
    tf.tidy(() => this.logScale.assign(tf.clipByValue(this.logScale, 0, Math.log(this.maxScale))));
  }
}
