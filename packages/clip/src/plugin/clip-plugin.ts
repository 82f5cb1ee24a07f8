import { definePlugin, tf, type CustomGradients, type LossOutput, type MetricValues, type Plugin, type PluginContext, type Sample } from '@vlalign/core';
import { clipLoss } from '../losses/clip-loss.js';
import { siglipLoss } from '../losses/siglip-loss.js';
import { l2Normalize } from '../encoders/l2-normalize.js';
import { contrastiveModelKind, registerVlmTextSide, resolveEncoder, type ResolvedEncoder } from '../encoders/resolve-encoder.js';
import { resolveClipOptions, type ClipOptions, type ResolvedClipOptions } from './clip-options.js';
import { LogitHead } from './logit-head.js';
import { buildClipBatch, sliceClipBatch, type ClipBatch } from './clip-batch.js';
import { featureCacheGradients, type MicroBatchFeatures } from './feature-cache.js';
import { compileSwapGroups } from '../negatives/swap-negatives.js';
import { retrievalHook, zeroShotHook } from '../eval/eval-hooks.js';

/** Name of the registered module holding the logit scale (and bias): `plugins.clip.head.*`. */
export const LOGIT_HEAD_MODULE = 'head';

function encodeBatch(encoder: ResolvedEncoder, batch: ClipBatch): MicroBatchFeatures {
  return {
    image: l2Normalize(encoder.encodeImage(batch.images)),
    text: l2Normalize(encoder.encodeText(batch.ids, batch.lengths)),
  };
}

function contrastiveLoss(options: ResolvedClipOptions, head: LogitHead, image: tf.Tensor2D, text: tf.Tensor2D, negatives?: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() =>
    options.loss === 'siglip' ? siglipLoss(image, text, head.scale(), head.bias as tf.Scalar) : clipLoss(image, text, head.scale(), negatives),
  );
}

/**
 * CLIP-style contrastive alignment of images and captions.
 *
 * Works on a `DualEncoder` (its own towers and projections) and on a `VisionLanguageModel` (its
 * vision tower, plus a text tower and projections the plugin registers as `plugins.clip.text`,
 * `image_proj`, `text_proj`). Each step draws one caption per image (seeded), embeds both sides,
 * L2-normalises them and applies `clipLoss` (InfoNCE) or `siglipLoss` with a learnable log logit
 * scale (`plugins.clip.head.logit_scale`, no weight decay, clamped to `[0, ln maxLogitScale]` after
 * every step). With `accumulate: k` the batch is processed as k micro-batches whose features are
 * cached, giving the full-batch gradients with a fraction of the activation memory.
 *
 * Metrics: `loss`, `logit_scale` (the exponentiated scale), `logit_bias` (SigLIP). Eval hooks:
 * `retrieval` and `zeroShot` (see the README for the metric names).
 *
 * @example
 * import { Trainer, createModel, createShapesWorld, shapesTokenizer } from '@vlalign/core';
 * import { clip } from '@vlalign/clip';
 *
 * const tokenizer = shapesTokenizer();
 * const trainer = new Trainer({
 *   model: createModel('dual-encoder', 'tiny', { seed: 0, vocabSize: tokenizer.vocabSize }),
 *   tokenizer,
 *   plugins: [clip({ loss: 'infonce', accumulate: 4 })],
 *   data: createShapesWorld({ seed: 1, size: 4096, split: 'train' }),
 *   evalData: createShapesWorld({ seed: 1, size: 512, split: 'val' }),
 *   batchSize: 128, steps: 2000, seed: 0, optimizer: { lr: 5e-4, weightDecay: 0.1 },
 * });
 * await trainer.fit();
 */
export function clip(options: ClipOptions = {}): Plugin<ClipBatch> {
  const opts = resolveClipOptions(options);
  const initLogScale = opts.initLogitScale ?? (opts.loss === 'siglip' ? Math.log(10) : Math.log(1 / 0.07));
  const initBias = opts.loss === 'siglip' ? (opts.initLogitBias ?? -10) : undefined;
  const headOf = (ctx: PluginContext) => ctx.getModule<LogitHead>(LOGIT_HEAD_MODULE);
  const hardNegatives = opts.hardNegatives ? { table: compileSwapGroups(opts.hardNegatives.swapGroups), perCaption: opts.hardNegatives.perCaption } : undefined;

  function loss(_samples: Sample[], ctx: PluginContext, batch: ClipBatch): LossOutput {
    const head = headOf(ctx);
    const encoder = resolveEncoder(ctx, opts);
    const { image, text } = encodeBatch(encoder, batch);
    const negatives = batch.negativeIds ? l2Normalize(encoder.encodeText(batch.negativeIds, batch.negativeLengths!)) : undefined;
    // Tensors, not numbers: the trainer reads every metric back in one go after the step.
    const metrics: MetricValues = { logit_scale: head.scale() };
    if (head.bias) metrics.logit_bias = tf.clone(head.bias);
    if (negatives) metrics.hard_negatives = tf.scalar(negatives.shape[0]);
    return { loss: contrastiveLoss(opts, head, image, text, negatives), metrics };
  }

  function computeGradients(samples: Sample[], ctx: PluginContext, batch: ClipBatch): CustomGradients {
    const head = headOf(ctx);
    const encoder = resolveEncoder(ctx, opts);
    const { loss, grads } = featureCacheGradients({
      batchSize: samples.length,
      chunks: opts.accumulate,
      encode: (start, end) => tf.tidy(() => encodeBatch(encoder, sliceClipBatch(batch, start, end))),
      loss: (image, text) => contrastiveLoss(opts, head, image, text),
      towerVariables: encoder.variables(),
      headVariables: head.parameters(),
    });
    const metrics: Record<string, number> = { logit_scale: Math.exp(head.logScale.dataSync()[0]) };
    if (head.bias) metrics.logit_bias = head.bias.dataSync()[0];
    return { loss, grads, metrics };
  }

  return definePlugin<ClipBatch>({
    name: 'clip',
    specificationVersion: 'v1',
    requires: ['vision'],
    setup(ctx) {
      if (contrastiveModelKind(ctx) === 'vlm') registerVlmTextSide(ctx, opts);
      ctx.registerModule(LOGIT_HEAD_MODULE, new LogitHead({ initLogScale, initBias, maxScale: opts.maxLogitScale }));
    },
    async prepare(samples, ctx) {
      return buildClipBatch(samples, ctx, resolveEncoder(ctx, opts), hardNegatives);
    },
    ...(opts.accumulate > 1 ? { computeGradients } : { loss }),
    afterStep(ctx) {
      headOf(ctx).clamp();
    },
    evaluate: [retrievalHook(opts, resolveEncoder), zeroShotHook(opts, resolveEncoder)],
  });
}
