import type { Sample } from '../../data/types.js';
import { imagesToTensor } from '../../models/images-to-tensor.js';
import { captionBatch } from '../caption-batch.js';
import { crossEntropySum, maskedMeanCrossEntropy } from '../cross-entropy.js';
import { definePlugin, type EvalContext, type Plugin, type PluginContext } from '../plugin.js';
import { evaluateTextCrossEntropy } from './eval-cross-entropy.js';
import { sampleImages, vlmImageSize, type VlmLike } from './model-access.js';

/** Options of {@link captioning}. */
export interface CaptioningOptions {
  /** Longest caption in tokens, BOS and EOS included. Default 32. */
  maxLength?: number;
  /** Sample field with the caption(s). Default `'captions'`. */
  field?: string;
  /** Which caption of an array to train on; `'random'` draws one per sample from the plugin's seeded stream. Default 0. */
  index?: number | 'random';
  /** Samples per eval batch. Default 16. */
  evalBatchSize?: number;
  /** Evaluate on at most this many samples. Default 256. */
  maxEvalSamples?: number;
}

/**
 * Plain captioning: next-token maximum likelihood of the caption given the image, on a
 * `VisionLanguageModel` (the SFT baseline that CAL, SeVa and RL compare against). Loss = mean
 * cross-entropy over caption tokens (BOS..EOS; padding ignored).
 *
 * Metrics: `captioning/loss`, `captioning/tokens` (caption tokens per batch). Eval hook
 * `caption-ce`: `captioning/ce` (per-token cross-entropy on eval data), `captioning/perplexity`.
 *
 * @example
 * new Trainer({ model: vlm, tokenizer, plugins: [captioning({ maxLength: 24 })], data, steps: 200 });
 */
export function captioning(options: CaptioningOptions = {}): Plugin {
  const maxLength = options.maxLength ?? 32;
  const field = options.field ?? 'captions';
  const index = options.index ?? 0;
  const forward = (ctx: Pick<PluginContext, 'model' | 'tokenizer'>, samples: Sample[], pick: (i: number) => number) => {
    const model = ctx.model as VlmLike;
    const images = imagesToTensor(sampleImages(samples, 'captioning'), vlmImageSize(model));
    const chosen = samples.map((s, i) => {
      const v = s[field];
      return Array.isArray(v) && v.length > 0 ? { ...s, [field]: v[pick(i) % v.length] } : s;
    });
    const batch = captionBatch(chosen, ctx.tokenizer, { maxLength, field });
    const { logits } = model.forward({ images, inputIds: batch.inputIds, attentionMask: batch.attentionMask });
    return { logits, batch };
  };
  return definePlugin({
    name: 'captioning',
    specificationVersion: 'v1',
    requires: ['vlm'],
    loss(samples, ctx) {
      const pick = index === 'random' ? () => Math.floor(ctx.random() * 2 ** 31) : () => index;
      const { logits, batch } = forward(ctx, samples, pick);
      const loss = maskedMeanCrossEntropy(logits, batch.labels);
      const tokens = batch.lengths.reduce((a, n) => a + n - 1, 0);
      return { loss, metrics: { tokens } };
    },
    evaluate: [
      {
        name: 'caption-ce',
        run: (ctx: EvalContext) =>
          evaluateTextCrossEntropy(ctx, {
            batchSize: options.evalBatchSize ?? 16,
            maxSamples: options.maxEvalSamples ?? 256,
            // With index 'random' eval scores the first caption, so numbers stay comparable across runs.
            sumAndCount: (samples) => {
              const { logits, batch } = forward(ctx, samples, () => (typeof index === 'number' ? index : 0));
              return crossEntropySum(logits, batch.labels);
            },
          }),
      },
    ],
  });
}
