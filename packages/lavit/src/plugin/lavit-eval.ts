import { ciderD, tf, type EvalContext, type EvalHook, type Sample } from '@vlalign/core';
import { cosineSimilarity } from '../decoder/query-decoder.js';
import { codebookUsage } from '../metrics/codebook-usage.js';
import { spearman } from '../metrics/spearman.js';
import { tokenizeFeatures, type ImageTokens } from '../tokenizer/tokenize-image.js';
import { captionFromVisualIds } from '../unified/unified-generation.js';
import type { LavitState } from './lavit-plugin.js';
import { patchFeatures } from './lavit-plugin.js';

async function evalSamples(ctx: EvalContext, max: number): Promise<Sample[]> {
  const n = Math.min(max, ctx.evalData.length);
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) out.push(await ctx.evalData.get(i));
  return out;
}

/** Tokens and reconstruction of eval samples, batch by batch, in inference mode. */
export async function tokenizeEvalSet(state: LavitState, samples: readonly Sample[], batchSize: number): Promise<{ tokens: ImageTokens[]; reconCosine: number }> {
  const tok = state.tokenizer!;
  const tokens: ImageTokens[] = [];
  let cosSum = 0;
  let count = 0;
  const wasTraining = tok.training;
  tok.eval();
  try {
    for (let i = 0; i < samples.length; i += batchSize) {
      const batch = samples.slice(i, i + batchSize);
      const features = patchFeatures(tok.vision, batch);
      try {
        tokens.push(...tokenizeFeatures(tok, features));
        const cos = tf.tidy(() => {
          const out = tok.forward(features, { quantize: tok.codebook.initialized });
          return tf.sum(cosineSimilarity(out.reconstruction, tok.center(features)));
        });
        cosSum += (await cos.data())[0];
        cos.dispose();
        count += features.shape[0] * features.shape[1];
      } finally {
        features.dispose();
      }
    }
  } finally {
    tok.train(wasTraining);
  }
  return { tokens, reconCosine: count ? cosSum / count : 0 };
}

/** The eval hooks of the lavit plugin (see `lavit`). */
export function lavitEvalHooks(state: LavitState): EvalHook[] {
  const o = state.options;
  return [
    {
      name: 'tokens',
      async run(ctx) {
        const samples = await evalSamples(ctx, o.eval.maxSamples);
        if (samples.length === 0) return {};
        const { tokens, reconCosine } = await tokenizeEvalSet(state, samples, o.eval.batchSize);
        const counts = tokens.map((t) => t.ids.length);
        const usage = codebookUsage(
          tokens.map((t) => t.ids),
          state.tokenizer!.config.codebookSize,
        );
        const metrics: Record<string, number> = {
          tokens_per_image: counts.reduce((a, b) => a + b, 0) / counts.length,
          codebook_usage: usage.usage,
          codebook_perplexity: usage.perplexity,
          recon_cosine: reconCosine,
          keep_threshold: state.tokenizer!.selector.threshold,
        };
        const objects = samples.map((s) => (s.complexity as { objects?: number } | undefined)?.objects);
        if (objects.every((v) => typeof v === 'number') && samples.length > 2) {
          const rho = spearman(counts, objects as number[]);
          if (Number.isFinite(rho)) metrics.tokens_objects_spearman = rho;
        }
        return metrics;
      },
    },
    {
      name: 'caption',
      async run(ctx): Promise<Record<string, number>> {
        const u = state.unified;
        if (!u || !state.lmTrained || !state.tokenizer!.codebook.initialized) return {};
        const samples = await evalSamples(ctx, o.eval.maxSamples);
        if (samples.length === 0) return {};
        const { tokens } = await tokenizeEvalSet(state, samples, o.eval.batchSize);
        const captions: string[] = [];
        for (let i = 0; i < samples.length; i += o.eval.batchSize) {
          const ids = tokens.slice(i, i + o.eval.batchSize).map((t) => t.ids);
          captions.push(...(await captionFromVisualIds(u.lm, u.vocab, ctx.tokenizer, ids, { maxNewTokens: o.eval.captionMaxTokens })));
        }
        const refs = samples.map((s) => {
          const v = s[o.captionField];
          return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
        });
        return { cider_d: ciderD(captions, refs).score };
      },
    },
  ];
}
