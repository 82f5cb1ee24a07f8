import { definePlugin, imagesToTensor, tf, type EvalContext, type Module, type Plugin, type PluginContext, type Sample } from '@vlalign/core';
import { grpoAdvantages } from '../grpo-advantages.js';
import { grpoLoss } from '../grpo-loss.js';
import { leaveOneOutBaseline } from '../leave-one-out.js';
import { scstLoss } from '../scst-loss.js';
import { evaluateCaptions } from '../eval/evaluate-captions.js';
import { combineRewards, type CombinedReward } from '../rewards/combine-rewards.js';
import { resolveRewardSpecs } from '../rewards/reward-specs.js';
import type { RewardInput, WeightedReward } from '../rewards/types.js';
import { completionBatch, completionLogProbs, type CompletionBatch } from '../rollouts/completion-batch.js';
import { greedyCaptions, sampleCompletions } from '../rollouts/sample-completions.js';
import type { Completion, GenerativeVlm } from '../rollouts/types.js';
import { groupRewardStats, sampleStd } from './group-stats.js';
import { k3Kl } from './k3-kl.js';
import { frozenCopy } from './reference-model.js';
import { resolveRlOptions, type RlOptions } from './rl-options.js';

/** Name under which the frozen reference model is registered (checkpoint keys `plugins.rl.reference.*`). */
export const REFERENCE_MODULE = 'reference';

/** What `prepare` hands to `loss` (the trainer disposes the tensors after the step). */
interface Prepared {
  /** `[R, S, S, 3]` the image of each completion row. */
  images: tf.Tensor4D;
  batch: CompletionBatch;
  /** `[R]` advantages (GRPO) or rewards and baselines (SCST). */
  advantages?: tf.Tensor1D;
  rewards?: tf.Tensor1D;
  baseline?: tf.Tensor1D;
  refLogps?: tf.Tensor2D;
  metrics: Record<string, number>;
}

type Vlm = Module & GenerativeVlm & { config: { vision: { imageSize: number } } };

function imageSizeOf(model: Vlm): number {
  const size = model.config?.vision?.imageSize;
  if (!Number.isInteger(size)) throw new Error('rl: the model exposes no config.vision.imageSize (expected a VisionLanguageModel)');
  return size;
}

function imagesOf(samples: readonly Sample[]) {
  return samples.map((s) => {
    if (!s.image) throw new Error(`rl: sample "${s.id}" has no "image"; RL captioning needs image samples`);
    return s.image;
  });
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

/**
 * Reinforcement learning for a captioning VisionLanguageModel, usually started from an SFT run
 * (`model.init`): self-critical sequence training (Rennie et al. 2017) or GRPO (Shao et al. 2024,
 * as HuggingFace TRL computes it), with composable rewards.
 *
 * Per step, outside the tape (`prepare`): sample `numGenerations` captions per image (temperature,
 * top-k, top-p), score them with the weighted rewards, and form the advantages: SCST
 * `r - r(greedy caption)` or `r - mean(others)`; GRPO `(r - mean_g) / (std_g + 1e-4)`; with a
 * reference model (beta > 0) its per-token log-probs. Inside the tape (`loss`): a teacher-forced
 * forward recomputes the sampled tokens' log-probs with gradients, then {@link scstLoss} (plus
 * `beta * KL` when set) or {@link grpoLoss}.
 *
 * Metrics (TRL's names, under `rl/`): `reward`, `reward_std`, `frac_reward_zero_std`,
 * `rewards/<name>/mean` and `/std` per component, `kl` (with a reference), `clip_ratio` (grpo),
 * `reward_baseline` (scst greedy), `advantage_abs`, `completions/mean_length`,
 * `completions/clipped_ratio`. It logs a warning when no completion has had a non-zero advantage for
 * `zeroStdPatience` steps (no learning signal). Eval hook `captions`: greedy test CIDEr-D,
 * CHAIR_i / CHAIR_s, mean length and reward.
 *
 * @example
 * new Trainer({ model: sft, tokenizer, data: train, evalData: test, steps: 100, batchSize: 8,
 *   plugins: [rl({ algorithm: 'scst', rewards: [{ reward: ciderReward({ corpus: train }), weight: 1 }] })] });
 */
export function rl(options: RlOptions): Plugin<Prepared> {
  const o = resolveRlOptions(options);
  const n = o.numGenerations;
  let rewards: Promise<CombinedReward> | undefined;
  let zeroSignalSteps = 0;
  let warned = false;
  const rewardFn = (ctx: PluginContext) =>
    (rewards ??= resolveRewardSpecs(o.rewards.map((r) => (typeof r === 'function' ? { reward: r } : r)) as WeightedReward[], { tokenizer: ctx.tokenizer, baseDir: o.baseDir }).then(combineRewards));

  const toInputs = (completions: Completion[], samples: readonly Sample[]): RewardInput[] =>
    completions.map((c) => ({ text: c.text, sample: samples[c.imageIndex], ids: c.ids, finished: c.finished }));

  const monitor = (ctx: PluginContext, advantages: readonly number[], fracZeroStd: number | undefined) => {
    const silent = advantages.every((a) => Math.abs(a) < 1e-12);
    zeroSignalSteps = silent ? zeroSignalSteps + 1 : 0;
    if (!silent) warned = false;
    if (zeroSignalSteps >= o.zeroStdPatience && !warned) {
      warned = true;
      ctx.log(
        `warning: no learning signal for ${zeroSignalSteps} steps: every completion's advantage is 0` +
          (fracZeroStd !== undefined ? ` (frac_reward_zero_std = ${fracZeroStd})` : '') +
          '. All samples of an image get the same reward: raise temperature or numGenerations, or use a finer-grained reward.',
      );
    }
  };

  return definePlugin<Prepared>({
    name: 'rl',
    specificationVersion: 'v1',
    requires: ['vlm'],
    setup(ctx) {
      if (o.reference) ctx.registerModule(REFERENCE_MODULE, frozenCopy(ctx.model));
    },
    async prepare(samples, ctx) {
      const model = ctx.model as Vlm;
      const combined = await rewardFn(ctx);
      const images = imagesToTensor(imagesOf(samples), imageSizeOf(model));
      const owned: tf.Tensor[] = [];
      try {
        const seed = Math.floor(ctx.random() * 2 ** 31);
        const completions = await sampleCompletions(model, images, ctx.tokenizer, {
          numGenerations: n,
          temperature: o.temperature,
          topK: o.topK,
          topP: o.topP,
          maxNewTokens: o.maxNewTokens,
          seed,
          batchSize: o.rolloutBatchSize,
        });
        const scores = await combined(toInputs(completions, samples));
        const r = scores.total;
        const metrics: Record<string, number> = { reward: mean(r) };
        if (n >= 2) {
          const stats = groupRewardStats(r, n);
          metrics.reward_std = stats.meanGroupStd;
          metrics.frac_reward_zero_std = stats.fracZeroStd;
        }
        for (const [name, values] of Object.entries(scores.components)) {
          metrics[`rewards/${name}/mean`] = mean(values);
          metrics[`rewards/${name}/std`] = sampleStd(values);
        }
        const lengths = completions.map((c) => c.ids.length);
        metrics['completions/mean_length'] = mean(lengths);
        metrics['completions/clipped_ratio'] = completions.filter((c) => !c.finished).length / completions.length;

        const prepared: Omit<Prepared, 'images' | 'batch'> = { metrics };
        let adv: number[];
        if (o.algorithm === 'grpo') {
          const a = grpoAdvantages(r, n, { scale: o.scaleRewards });
          owned.push(a);
          prepared.advantages = a;
          adv = Array.from(await a.data());
        } else {
          let base: number[];
          if (o.baseline === 'greedy') {
            const greedy = await greedyCaptions(model, images, ctx.tokenizer, { maxNewTokens: o.maxNewTokens, batchSize: o.rolloutBatchSize });
            const g = (await combined(toInputs(greedy, samples))).total;
            metrics.reward_baseline = mean(g);
            base = completions.map((c) => g[c.imageIndex]);
            prepared.baseline = tf.tensor1d(base);
          } else {
            const b = leaveOneOutBaseline(r, n);
            prepared.baseline = b;
            base = Array.from(await b.data());
          }
          owned.push(prepared.baseline);
          prepared.rewards = tf.tensor1d(r);
          owned.push(prepared.rewards);
          adv = r.map((v, i) => v - base[i]);
        }
        metrics.advantage_abs = mean(adv.map(Math.abs));
        monitor(ctx, adv, metrics.frac_reward_zero_std);

        const batch = completionBatch(completions, ctx.tokenizer);
        owned.push(batch.inputIds, batch.labels, batch.mask);
        const rowImages = tf.tidy(() => tf.gather(images, tf.tensor1d(completions.map((c) => c.imageIndex), 'int32')) as tf.Tensor4D);
        owned.push(rowImages);
        if (o.reference) {
          const ref = ctx.getModule<Vlm>(REFERENCE_MODULE);
          prepared.refLogps = completionLogProbs(ref, rowImages, batch);
          owned.push(prepared.refLogps);
        }
        return { ...prepared, images: rowImages, batch };
      } catch (err) {
        tf.dispose(owned);
        throw err;
      } finally {
        images.dispose();
      }
    },
    loss(_samples, ctx, p) {
      const logps = completionLogProbs(ctx.model as Vlm, p.images, p.batch);
      const metrics: Record<string, number | tf.Tensor> = { ...p.metrics };
      if (o.algorithm === 'grpo') {
        const out = grpoLoss(logps, null, p.refLogps ?? null, p.advantages!, p.batch.mask, { epsilon: o.epsilon, beta: o.beta, aggregation: o.aggregation });
        metrics.clip_ratio = out.clipRatio;
        if (out.kl) metrics.kl = out.kl;
        return { loss: out.loss, metrics };
      }
      let loss = scstLoss(logps, p.batch.mask, p.rewards!, p.baseline!);
      if (p.refLogps) {
        const kl = k3Kl(logps, p.refLogps, p.batch.mask);
        metrics.kl = kl;
        if (o.beta > 0) loss = tf.add(loss, tf.mul(kl, o.beta));
      }
      return { loss, metrics };
    },
    evaluate: [
      {
        name: 'captions',
        async run(ctx: EvalContext) {
          const model = ctx.model as Vlm;
          const combined = o.eval.reward ? await rewardFn(ctx) : undefined;
          const r = await evaluateCaptions(model, ctx.tokenizer, ctx.evalData, {
            imageSize: imageSizeOf(model),
            maxNewTokens: o.maxNewTokens,
            maxSamples: o.eval.maxSamples,
            batchSize: o.eval.batchSize,
            field: o.eval.field,
            objectsField: o.eval.objectsField,
            reward: combined ? async (xs) => (await combined(xs)).total : undefined,
          });
          const { captions: _captions, ...numbers } = r;
          return Object.fromEntries(Object.entries(numbers).filter(([, v]) => v !== undefined)) as Record<string, number>;
        },
      },
    ],
  });
}
