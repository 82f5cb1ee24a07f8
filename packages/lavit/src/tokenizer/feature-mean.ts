import { Module, tf } from '@vlalign/core';

/**
 * The dataset-mean patch feature per position, `μ` `[N, D]`, as a running mean over the batches
 * passed to {@link accumulate}. With it, the tokenizer works on `X − μ`: the position-dependent,
 * content-free component of ViT features (which otherwise lets a single token reconstruct every
 * background patch to a high cosine) is removed from the selector's input and from the
 * reconstruction target.
 *
 * Parameters (frozen, checkpointed): `mean` `[N, D]`, `count` (scalar: images averaged so far).
 */
export class FeatureMean extends Module {
  readonly mean: tf.Variable;
  readonly count: tf.Variable;

  constructor(numPatches: number, featureDim: number) {
    super();
    this.mean = this.registerParameter('mean', tf.zeros([numPatches, featureDim]), { frozen: true, noDecay: true });
    this.count = this.registerParameter('count', tf.scalar(0), { frozen: true, noDecay: true });
  }

  /** Images averaged so far. */
  get images(): number {
    return this.count.dataSync()[0];
  }

  /** Adds the images of `features` `[B, N, D]` to the running mean. */
  accumulate(features: tf.Tensor3D): void {
    const b = features.shape[0];
    if (b === 0) return;
    const n0 = this.images;
    tf.tidy(() => {
      const sum = tf.sum(features, 0);
      this.mean.assign(tf.div(tf.add(tf.mul(this.mean, n0), sum), n0 + b));
      this.count.assign(tf.scalar(n0 + b));
    });
    // Keep the variables frozen even if a parent module was unfrozen.
    this.mean.trainable = false;
    this.count.trainable = false;
  }

  /** `features − μ` (broadcast over the batch); call inside a tidy. */
  center(features: tf.Tensor3D): tf.Tensor3D {
    return tf.sub(features, this.mean) as tf.Tensor3D;
  }
}
