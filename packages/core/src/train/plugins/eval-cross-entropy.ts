import * as tf from '@tensorflow/tfjs-core';
import type { Sample } from '../../data/types.js';
import type { EvalContext } from '../plugin.js';

/** Options of {@link evaluateTextCrossEntropy}. */
export interface TextCrossEntropyEvalOptions {
  batchSize: number;
  maxSamples: number;
  /** Sum of token cross-entropies and the token count for one batch (called inside a tidy). */
  sumAndCount(samples: Sample[]): { sum: tf.Scalar; count: tf.Scalar };
}

/**
 * Corpus-level token cross-entropy and perplexity over the first `maxSamples` eval samples:
 * `ce = sum(token CE) / tokens`, `perplexity = exp(ce)` (tokens, not batches, are averaged).
 */
export async function evaluateTextCrossEntropy(ctx: EvalContext, o: TextCrossEntropyEvalOptions): Promise<Record<string, number>> {
  const n = Math.min(ctx.evalData.length, o.maxSamples);
  let sum = 0;
  let count = 0;
  for (let start = 0; start < n; start += o.batchSize) {
    const samples: Sample[] = [];
    for (let i = start; i < Math.min(n, start + o.batchSize); i++) samples.push(await ctx.evalData.get(i));
    const pair = tf.tidy(() => {
      const r = o.sumAndCount(samples);
      return tf.stack([r.sum, r.count]);
    });
    const d = await pair.data();
    pair.dispose();
    sum += d[0];
    count += d[1];
  }
  const ce = count > 0 ? sum / count : NaN;
  return { ce, perplexity: Math.exp(ce), tokens: count };
}
