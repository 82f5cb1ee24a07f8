import { tf } from '@vlalign/core';

/** Normalised features of one micro-batch (a type alias, so `tf.tidy` can return it). */
export type MicroBatchFeatures = {
  image: tf.Tensor2D;
  text: tf.Tensor2D;
};

/** Inputs of {@link featureCacheGradients}. */
export interface FeatureCacheArgs {
  /** Samples in the contrastive batch. */
  batchSize: number;
  /** Micro-batches to split it into (1 <= chunks <= batchSize). */
  chunks: number;
  /** L2-normalised features of samples `[start, end)`; runs both with and without a tape. */
  encode(start: number, end: number): MicroBatchFeatures;
  /** The contrastive loss of the full batch's features (reads the logit head's variables). */
  loss(image: tf.Tensor2D, text: tf.Tensor2D): tf.Scalar;
  /** Variables the encoders read (only trainable ones get gradients). */
  towerVariables: readonly tf.Variable[];
  /** Variables only the loss reads (logit scale, bias). */
  headVariables: readonly tf.Variable[];
}

/** Contiguous `[start, end)` ranges splitting `n` items into `k` near-equal parts. */
export function splitEven(n: number, k: number): [number, number][] {
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new Error(`accumulate must be an integer between 1 and the batch size (${n}); got ${k}`);
  }
  return Array.from({ length: k }, (_, j) => [Math.floor((j * n) / k), Math.floor(((j + 1) * n) / k)]);
}

function accumulate(into: Map<tf.Variable, tf.Tensor>, vars: readonly tf.Variable[], grads: tf.NamedTensorMap): void {
  for (const v of vars) {
    const g = grads[v.name];
    if (!g) continue;
    const prev = into.get(v);
    if (prev) {
      into.set(v, tf.add(prev, g));
      prev.dispose();
      g.dispose();
    } else into.set(v, g);
  }
}

/**
 * Full-batch gradients of a contrastive loss computed one micro-batch at a time (the "gradient
 * cache" behind open_clip's `accum_freq`).
 *
 * 1. Encode every micro-batch without a tape and cache its features: only `[N, E]` stays alive.
 * 2. Differentiate the loss of the cached features w.r.t. the head (logit scale/bias) once.
 * 3. For each micro-batch, re-encode it under a tape, splice the live features into the cached
 *    ones, and differentiate w.r.t. the tower variables. The loss only reaches the towers through
 *    that micro-batch's features, so the sum over micro-batches is exactly the full-batch gradient
 *    (given deterministic encoders: dropout masks must not differ between the passes).
 *
 * Unlike open_clip, which differentiates the scale in every micro-step (k times its gradient),
 * step 2 counts the head once, so the result equals the full-batch gradient for every variable.
 *
 * @returns the full-batch loss and one gradient per variable that received one (caller owns them).
 */
export function featureCacheGradients(args: FeatureCacheArgs): { loss: number; grads: Map<tf.Variable, tf.Tensor> } {
  const ranges = splitEven(args.batchSize, args.chunks);
  const head = args.headVariables.filter((v) => v.trainable);
  const headSet = new Set(head);
  const towers = args.towerVariables.filter((v) => v.trainable && !headSet.has(v));
  const grads = new Map<tf.Variable, tf.Tensor>();
  const cached = ranges.map(([start, end]) => tf.tidy(() => args.encode(start, end)));
  try {
    const fullLoss = () => args.loss(tf.concat(cached.map((c) => c.image)), tf.concat(cached.map((c) => c.text)));
    let loss: number;
    if (head.length > 0) {
      const { value, grads: g } = tf.variableGrads(fullLoss, head);
      loss = value.dataSync()[0];
      value.dispose();
      accumulate(grads, head, g);
    } else {
      loss = tf.tidy(() => fullLoss().dataSync()[0]);
    }
    if (towers.length > 0) {
      ranges.forEach(([start, end], j) => {
        const { value, grads: g } = tf.variableGrads(() => {
          const live = args.encode(start, end);
          const splice = (key: keyof MicroBatchFeatures) => tf.concat(cached.map((c, i) => (i === j ? live[key] : c[key])));
          return args.loss(splice('image'), splice('text'));
        }, towers);
        value.dispose();
        accumulate(grads, towers, g);
      });
    }
    return { loss, grads };
  } catch (err) {
    tf.dispose([...grads.values()]);
    throw err;
  } finally {
    for (const c of cached) tf.dispose([c.image, c.text]);
  }
}
