import { ciderD, disposeTensorsIn, tf, type EvalContext, type EvalHook, type Sample, type Tokenizer } from '@vlalign/core';
import { calTokenWeights } from '../token-weights.js';
import { asVlm, batchImages, calBatch } from './cal-batch.js';
import type { ResolvedCalOptions } from './cal-options.js';
import { weightSums } from './weight-sums.js';

async function evalSamples(ctx: EvalContext, max: number): Promise<Sample[]> {
  const n = Math.min(max, ctx.evalData.length);
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) out.push(await ctx.evalData.get(i));
  return out;
}

function referencesOf(sample: Sample, field: string): string[] {
  const v = sample[field];
  const refs = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
  if (refs.length === 0) throw new Error(`cal eval: sample "${sample.id}" has no reference captions at field "${field}" (expected a string or an array of strings)`);
  return refs;
}

/** Generated ids up to (not including) the first EOS, as text. */
function decodeCaption(ids: readonly number[], tokenizer: Tokenizer): string {
  const end = ids.indexOf(tokenizer.eosId);
  return tokenizer.decode(end < 0 ? [...ids] : ids.slice(0, end));
}

/**
 * Greedy captions of the eval images scored with CIDEr-D against the `references` field (document
 * frequencies from those references). Also reports the mean caption length in words.
 */
export function captionCiderHook(o: ResolvedCalOptions): EvalHook {
  return {
    name: 'captions',
    async run(ctx): Promise<Record<string, number>> {
      const vlm = asVlm(ctx.model);
      const samples = await evalSamples(ctx, o.eval.maxSamples);
      if (samples.length === 0) return {};
      const candidates: string[] = [];
      for (let i = 0; i < samples.length; i += o.eval.batchSize) {
        const chunk = samples.slice(i, i + o.eval.batchSize);
        const images = batchImages(chunk, vlm.config.vision.imageSize);
        try {
          const { ids } = await vlm.generate(images, {
            maxNewTokens: o.eval.maxNewTokens,
            stopTokens: [ctx.tokenizer.eosId],
            bosId: ctx.tokenizer.bosId,
            padId: ctx.tokenizer.padId,
          });
          candidates.push(...ids.map((row) => decodeCaption(row, ctx.tokenizer)));
        } finally {
          images.dispose();
        }
      }
      const references = samples.map((s) => referencesOf(s, o.references));
      const words = candidates.reduce((a, c) => a + (c.trim() ? c.trim().split(/\s+/).length : 0), 0);
      return { cider_d: ciderD(candidates, references).score, caption_words: words / candidates.length };
    },
  };
}

/**
 * Mean CAL weight on the eval data (model in eval mode): over all scored tokens, and over visual /
 * filler words when the `field` carries flags.
 */
export function tokenWeightsHook(o: ResolvedCalOptions): EvalHook {
  return {
    name: 'token-weights',
    async run(ctx) {
      const vlm = asVlm(ctx.model);
      const samples = await evalSamples(ctx, o.eval.maxSamples);
      let all = 0;
      let visual = 0;
      let filler = 0;
      let tokens = 0;
      let visualCount = 0;
      let fillerCount = 0;
      for (let i = 0; i < samples.length; i += o.eval.batchSize) {
        const batch = calBatch(samples.slice(i, i + o.eval.batchSize), ctx.tokenizer, vlm.config.vision.imageSize, o);
        try {
          const sums = tf.tidy(() => {
            const inputs = { images: batch.images, inputIds: batch.inputIds, attentionMask: batch.attentionMask };
            const withImage = vlm.forward(inputs).logits;
            const withoutImage = vlm.forward({ ...inputs, withoutImage: true }).logits;
            const s = weightSums(calTokenWeights(withImage, withoutImage, batch.labels, { min: o.min, max: o.max, window: o.window }), batch);
            return tf.stack([s.all, s.visual ?? tf.scalar(0), s.filler ?? tf.scalar(0)]);
          });
          const d = await sums.data();
          sums.dispose();
          all += d[0];
          visual += d[1];
          filler += d[2];
          tokens += batch.tokens;
          visualCount += batch.visualCount;
          fillerCount += batch.fillerCount;
        } finally {
          disposeTensorsIn(batch);
        }
      }
      const out: Record<string, number> = {};
      if (tokens > 0) out.weight_mean = all / tokens;
      if (visualCount > 0) out.weight_visual = visual / visualCount;
      if (fillerCount > 0) out.weight_filler = filler / fillerCount;
      return out;
    },
  };
}
