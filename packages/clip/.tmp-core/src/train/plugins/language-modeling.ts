import { captionBatch } from '../caption-batch.js';
import { crossEntropySum, maskedMeanCrossEntropy } from '../cross-entropy.js';
import { definePlugin, type Plugin, type PluginContext } from '../plugin.js';
import type { Sample } from '../../data/types.js';
import { evaluateTextCrossEntropy } from './eval-cross-entropy.js';
import { textLm } from './model-access.js';

/** Options of {@link languageModeling}. */
export interface LanguageModelingOptions {
  /** Sample field with the text (a string or array of strings). Default `'text'`. */
  field?: string;
  /** Longest sequence in tokens, BOS and EOS included. Default 64. */
  maxLength?: number;
  /** Plugin name (metric namespace), to mix several text corpora. Default `'language-modeling'`. */
  name?: string;
  /** Samples per eval batch. Default 16. */
  evalBatchSize?: number;
  /** Evaluate on at most this many samples. Default 256. */
  maxEvalSamples?: number;
}

/**
 * Text-only next-token loss on a `CausalLM`, or on the LM inside a `VisionLanguageModel` (no image
 * prefix). Samples carry `text: string`. Mixed with captioning it keeps the language ability
 * (the forgetting test of PLoRA). Metrics `<name>/loss`, `<name>/tokens`; eval hook `text-ce`:
 * `<name>/ce`, `<name>/perplexity`.
 */
export function languageModeling(options: LanguageModelingOptions = {}): Plugin {
  const field = options.field ?? 'text';
  const maxLength = options.maxLength ?? 64;
  const run = (samples: Sample[], ctx: Pick<PluginContext, 'model' | 'capabilities' | 'tokenizer'>) => {
    const batch = captionBatch(samples, ctx.tokenizer, { maxLength, field });
    const { logits } = textLm(ctx).forward(batch.inputIds, { attentionMask: batch.attentionMask });
    return { logits, batch };
  };
  return definePlugin({
    name: options.name ?? 'language-modeling',
    specificationVersion: 'v1',
    requires: ['lm'],
    loss(samples, ctx) {
      const { logits, batch } = run(samples, ctx);
      return { loss: maskedMeanCrossEntropy(logits, batch.labels), metrics: { tokens: batch.lengths.reduce((a, n) => a + n - 1, 0) } };
    },
    evaluate: [
      {
        name: 'text-ce',
        run: (ctx) =>
          evaluateTextCrossEntropy(ctx, {
            batchSize: options.evalBatchSize ?? 16,
            maxSamples: options.maxEvalSamples ?? 256,
            sumAndCount: (samples) => {
              const { logits, batch } = run(samples, ctx);
              return crossEntropySum(logits, batch.labels);
            },
          }),
      },
    ],
  });
}
