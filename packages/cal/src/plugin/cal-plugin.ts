import { definePlugin, tf, type LossOutput, type MetricValues, type Plugin } from '@vlalign/core';
import { calLoss } from '../cal-loss.js';
import { calTokenWeights } from '../token-weights.js';
import { asVlm, calBatch, type CalBatch } from './cal-batch.js';
import { captionCiderHook, tokenWeightsHook } from './cal-eval.js';
import { resolveCalOptions, type CalOptions } from './cal-options.js';
import { weightSums } from './weight-sums.js';

/** What `prepare` hands to `loss`: the batch and the image-less logits (constants). */
interface CalPrepared extends CalBatch {
  logitsWithoutImage: tf.Tensor3D;
}

/**
 * CAL (Xiao et al., "Seeing the Image: Prioritizing Visual Correlation by Contrastive Alignment",
 * NeurIPS 2024) as a trainer plugin for a `VisionLanguageModel`: captioning where each caption
 * token's cross-entropy is weighted by how much the image raises its logit.
 *
 * Per step: `prepare` runs the CURRENT model once without the image (visual tokens masked out of
 * attention, positions kept), outside the gradient tape, so that pass costs one forward and no
 * backward; `loss` runs the normal forward, turns the two logit sets into weights with
 * {@link calTokenWeights} (a constant) and returns {@link calLoss}.
 *
 * Metrics (train): `cal/loss`, `cal/weight_mean` (mean weight over scored tokens), `cal/tokens`,
 * and, when the samples carry word flags (the shapes world's `fillerCaption`), `cal/weight_visual`
 * and `cal/weight_filler` (mean weight on visual-word and filler-word tokens).
 *
 * Eval hooks: `captions` → `cal/cider_d` (CIDEr-D of greedy captions against `references`),
 * `cal/caption_words`; `token-weights` → `cal/weight_mean`, `cal/weight_visual`, `cal/weight_filler`
 * on the eval data.
 *
 * @example
 * new Trainer({ model: vlm, tokenizer: shapesTokenizer(), plugins: [cal({ field: 'fillerCaption' })],
 *   data: createShapesWorld({ seed: 1, size: 4000, split: 'train' }), steps: 200 });
 */
export function cal(options: CalOptions = {}): Plugin<CalPrepared> {
  const o = resolveCalOptions(options);
  const batchOptions = { field: o.field, index: o.index, maxLength: o.maxLength };
  return definePlugin<CalPrepared>({
    name: 'cal',
    specificationVersion: 'v1',
    requires: ['vlm'],
    async prepare(samples, ctx) {
      const vlm = asVlm(ctx.model);
      const batch = calBatch(samples, ctx.tokenizer, vlm.config.vision.imageSize, batchOptions);
      // Outside the tape: nothing of this pass is recorded, so it adds no backward work.
      const logitsWithoutImage = tf.tidy(
        () =>
          vlm.forward({ images: batch.images, inputIds: batch.inputIds, attentionMask: batch.attentionMask, withoutImage: true }).logits,
      );
      return { ...batch, logitsWithoutImage };
    },
    loss(_samples, ctx, p) {
      const vlm = asVlm(ctx.model);
      // The tidy frees the forward's other outputs and the weights also when loss is called outside a tape.
      return tf.tidy(() => {
        const { logits } = vlm.forward({ images: p.images, inputIds: p.inputIds, attentionMask: p.attentionMask });
        const weights = calTokenWeights(logits, p.logitsWithoutImage, p.labels, { min: o.min, max: o.max, window: o.window });
        const loss = calLoss(logits, p.labels, weights);
        const sums = weightSums(weights, p);
        const metrics: MetricValues = { tokens: p.tokens, weight_mean: tf.div(sums.all, Math.max(p.tokens, 1)) };
        if (sums.visual && p.visualCount > 0) metrics.weight_visual = tf.div(sums.visual, p.visualCount);
        if (sums.filler && p.fillerCount > 0) metrics.weight_filler = tf.div(sums.filler, p.fillerCount);
        return { loss, metrics };
      }) as LossOutput;
    },
    evaluate: [captionCiderHook(o), tokenWeightsHook(o)],
  });
}
