import { imagesToTensor, pope, tf, type EvalContext, type EvalHook, type RgbImage, type Sample, type VisionLanguageModel } from '@vlalign/core';
import { promptIds } from '../text/prompt-ids.js';
import { evalBatches, evalImages } from './eval-samples.js';

/** Options of {@link popeEvalHook}. */
export interface PopeEvalOptions {
  /** POPE negative-sampling split(s) to ask: one kind or `'all'` (default; the union of the three). */
  split?: 'random' | 'popular' | 'adversarial' | 'all';
  /**
   * How an answer is read:
   * - `'generate'` (default): the greedy first generated token, parsed with POPE's rule (anything
   *   but "no"/"not" is a yes);
   * - `'compare'`: "yes" when the next-token logit of `yes` beats that of `no` (a forced choice; useful
   *   for models never trained to answer questions, which rarely emit either word).
   */
  answer?: 'generate' | 'compare';
  /** Images whose questions are asked. Default 64. */
  maxSamples?: number;
  /** Questions per forward pass. Default 64. */
  batchSize?: number;
}

interface Probe {
  image: RgbImage;
  question: string;
  label: 'yes' | 'no';
}

function probesOf(sample: Sample, split: PopeEvalOptions['split']): Probe[] {
  const qs = sample.questions;
  if (!Array.isArray(qs)) throw new Error(`seva pope: eval sample "${sample.id}" has no "questions" (POPE yes/no probes; the shapes world provides them)`);
  return (qs as { question: string; answer: 'yes' | 'no'; kind: string }[])
    .filter((q) => split === 'all' || q.kind === split)
    .map((q, k) => {
      if (typeof q.question !== 'string' || (q.answer !== 'yes' && q.answer !== 'no')) {
        throw new Error(`seva pope: eval sample "${sample.id}" questions[${k}] must be { question: string, answer: 'yes' | 'no' }`);
      }
      return { image: sample.image as RgbImage, question: q.question, label: q.answer };
    });
}

/**
 * Eval hook `pope`: asks the model the yes/no object probes of the first `maxSamples` eval images
 * (prompt = `[BOS, question tokens]`) and scores the answers with core's `pope`.
 * Metrics: `pope_accuracy`, `pope_precision`, `pope_recall`, `pope_f1`, `pope_yes_ratio`, and
 * `pope_unanswered` (fraction of first tokens that were neither "yes" nor "no"; always 0 with `'compare'`).
 */
export function popeEvalHook(options: PopeEvalOptions = {}): EvalHook {
  const split = options.split ?? 'all';
  const mode = options.answer ?? 'generate';
  return {
    name: 'pope',
    async run(ctx: EvalContext) {
      const model = ctx.model as VisionLanguageModel;
      const tok = ctx.tokenizer;
      const yes = tok.tokenToId('yes');
      const no = tok.tokenToId('no');
      if (yes === undefined || no === undefined) throw new Error('seva pope: the tokenizer has no "yes" or "no" token');
      const probes: Probe[] = [];
      for await (const batch of evalBatches(ctx.evalData, options.maxSamples ?? 64, 64)) {
        evalImages(batch, 'pope');
        for (const s of batch) probes.push(...probesOf(s, split));
      }
      if (probes.length === 0) throw new Error(`seva pope: the eval data has no questions of split "${split}"`);
      const answers: string[] = [];
      let unanswered = 0;
      const size = model.config.vision.imageSize;
      const bs = options.batchSize ?? 64;
      for (let start = 0; start < probes.length; start += bs) {
        const chunk = probes.slice(start, start + bs);
        const images = imagesToTensor(chunk.map((p) => p.image), size);
        try {
          const prompts = chunk.map((p) => promptIds(tok, p.question));
          const first: number[] = mode === 'compare' ? await compareYesNo(model, images, prompts, yes, no, tok.padId) : await firstTokens(model, images, prompts, tok.padId);
          for (const id of first as number[]) {
            if (id !== yes && id !== no) unanswered++;
            answers.push(tok.decode([id]));
          }
        } finally {
          images.dispose();
        }
      }
      const r = pope(answers, probes.map((p) => p.label));
      return { pope_accuracy: r.accuracy, pope_precision: r.precision, pope_recall: r.recall, pope_f1: r.f1, pope_yes_ratio: r.yesRatio, pope_unanswered: unanswered / probes.length };
    },
  };
}

async function firstTokens(model: VisionLanguageModel, images: tf.Tensor4D, prompts: number[][], padId: number): Promise<number[]> {
  const { ids } = await model.generate(images, { prompt: prompts, maxNewTokens: 1, temperature: 0, padId });
  return ids.map((row) => row[0]);
}

/** Right-padded prompts through one forward; compares the yes/no logits at each row's last prompt token. */
async function compareYesNo(model: VisionLanguageModel, images: tf.Tensor4D, prompts: number[][], yes: number, no: number, padId: number): Promise<number[]> {
  const T = Math.max(...prompts.map((p) => p.length));
  const ids = new Int32Array(prompts.length * T).fill(padId);
  const mask = new Float32Array(prompts.length * T);
  prompts.forEach((p, b) => p.forEach((id, t) => ((ids[b * T + t] = id), (mask[b * T + t] = 1))));
  const diff = tf.tidy(() => {
    const { logits } = model.forward({ images, inputIds: tf.tensor2d(ids, [prompts.length, T], 'int32'), attentionMask: tf.tensor2d(mask, [prompts.length, T]) });
    const V = logits.shape[2];
    const last = tf.tensor1d(prompts.map((p, b) => b * T + p.length - 1), 'int32');
    const rows = tf.gather(tf.reshape(logits, [-1, V]), last);
    return tf.sub(tf.gather(rows, [yes], 1), tf.gather(rows, [no], 1));
  });
  const values = await diff.data();
  diff.dispose();
  return Array.from(values, (d) => (d > 0 ? yes : no));
}
