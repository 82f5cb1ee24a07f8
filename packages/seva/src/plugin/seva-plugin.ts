import { join } from 'node:path';
import { definePlugin, imagesToTensor, tf, type EvalHook, type Plugin, type PluginContext, type Sample, type VisionLanguageModel } from '@vlalign/core';
import { dpoLoss } from '../dpo-loss.js';
import { sequenceLogps } from '../sequence-logps.js';
import { chairEvalHook, type ChairEvalOptions } from '../eval/chair-eval.js';
import { popeEvalHook, type PopeEvalOptions } from '../eval/pope-eval.js';
import type { SevaPairsConfig } from '../pairs/pairs-config.js';
import { checkPairSamples, pairBatch, type PairSample } from './pair-batch.js';
import { REF_LOGPS_FILE, RefLogpsCache } from './ref-logps-cache.js';
import { createReference, type Reference, type ReferenceMode } from './reference-model.js';
import { ChosenDriftMonitor } from './chosen-drift-monitor.js';

/** Options of {@link seva}. */
export interface SevaOptions {
  /** DPO inverse temperature (IPO's tau). Default 0.1 (SeVa's scripts, TRL's default). */
  beta?: number;
  /** `'sigmoid'` (DPO, default; summed log-probs) or `'ipo'` (per-token averaged log-probs, as TRL). */
  lossType?: 'sigmoid' | 'ipo';
  /** Conservative-DPO label smoothing in [0, 0.5) (sigmoid only). Default 0. */
  labelSmoothing?: number;
  /**
   * Weight of an NLL term on the chosen responses, added to the DPO loss (RPO; TRL's `rpo_alpha`,
   * ≤ 0.28 semantics): `loss += rpoAlpha * NLL`, the NLL being the mean negative log-prob per scored
   * chosen token (response and EOS, given the image and the prompt). It counters the fall of the
   * chosen log-prob ("likelihood displacement"). Default 0 (plain DPO; SeVa has no NLL term).
   */
  rpoAlpha?: number;
  /** Longest scored sequence `[BOS, prompt, response, EOS]`; longer ones are cut on the right. Default 48. */
  maxLength?: number;
  /** Reference policy: `'auto'` (default), `'copy'` or `'adapters'` (see `createReference`). */
  reference?: ReferenceMode;
  /**
   * Keep reference log-probs once computed, in `<runDir>/seva-ref-logps.jsonl` (memory only without a
   * run folder), so later epochs and resumed runs skip the reference forward (TRL's
   * `precompute_ref_log_probs`, filled as pairs are first seen). Default false.
   */
  precomputeRefLogps?: boolean;
  /** CHAIR eval hook settings, or `false` to skip it. */
  chair?: ChairEvalOptions | false;
  /** POPE eval hook settings, or `false` to skip it. */
  pope?: PopeEvalOptions | false;
  /** Pair-making settings read by `vlalign seva pairs` / {@link runSevaPairs}; training ignores them. */
  pairs?: SevaPairsConfig;
  /**
   * Warn once (run log, warning level) when the policy's log-prob of the chosen answers has fallen
   * more than this many nats per token below the reference's, averaged over 5 steps. That is DPO's
   * collapse mode on small models: the rewards keep improving while generations degenerate. Default 1;
   * `false` turns it off.
   */
  collapseWarning?: number | false;
}

/** What `prepare` hands to `loss` (the trainer disposes the tensors after the step). */
interface Prepared {
  images: tf.Tensor4D;
  inputIds: tf.Tensor2D;
  labels: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  responseMask: tf.Tensor2D;
  refChosen: tf.Tensor1D;
  refRejected: tf.Tensor1D;
  /** Scored chosen tokens in the batch (response + EOS), the NLL's denominator. */
  chosenTokens: number;
  /** Scored tokens per chosen answer, for the per-token drift the collapse warning watches. */
  chosenTokensPerPair: tf.Tensor1D;
}

/**
 * SeVa / DPO preference training of a `VisionLanguageModel` (Zhu et al., ACM MM 2024; TRL's
 * `DPOTrainer` loss and metrics). Each sample is a preference pair `{ image, prompt, chosen, rejected }`
 * (core's `preferencePairs` reader, e.g. on a file from {@link makePreferencePairs}). Both responses
 * are scored on the CLEAN image (SeVa scores the rejected answer on the original image too: the
 * augmented image only produced it), by the policy inside the gradient tape and by the frozen
 * reference in `prepare`; the loss is {@link dpoLoss} on the summed (IPO: averaged) response
 * log-probs.
 *
 * Training metrics (namespaced `seva/` by the trainer), as TRL names them: `rewards/chosen`,
 * `rewards/rejected`, `rewards/accuracies`, `rewards/margins`, `logps/chosen`, `logps/rejected`.
 * Eval hooks: `chair` (`seva/chair_i`, `seva/chair_s`, `seva/chair_mentions`, `seva/chair_coverage`) and `pope`
 * (`seva/pope_accuracy`, `_precision`, `_recall`, `_f1`, `_yes_ratio`, `_unanswered`).
 *
 * @example
 * const pairs = await preferencePairs('runs/seva/pairs.jsonl', { imageSize: 64 });
 * new Trainer({ model: sft, tokenizer, plugins: [seva({ beta: 0.1 })], data: pairs,
 *   evalData: createShapesWorld({ seed: 1, size: 200, split: 'test' }), steps: 100, optimizer: { lr: 1e-4 } });
 */
export function seva(options: SevaOptions = {}): Plugin<Prepared> {
  const beta = options.beta ?? 0.1;
  const lossType = options.lossType ?? 'sigmoid';
  const labelSmoothing = options.labelSmoothing ?? 0;
  const maxLength = options.maxLength ?? 48;
  const rpoAlpha = options.rpoAlpha ?? 0;
  if (!(rpoAlpha >= 0 && Number.isFinite(rpoAlpha))) throw new Error(`seva: rpoAlpha must be a finite number >= 0; got ${rpoAlpha}`);
  if (!(beta > 0)) throw new Error(`seva: beta must be > 0; got ${beta}`);
  if (lossType !== 'sigmoid' && lossType !== 'ipo') throw new Error(`seva: lossType must be 'sigmoid' or 'ipo'; got ${JSON.stringify(lossType)}`);
  if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) throw new Error(`seva: labelSmoothing must be in [0, 0.5); got ${labelSmoothing}`);
  if (lossType === 'ipo' && labelSmoothing !== 0) throw new Error("seva: labelSmoothing applies only to lossType 'sigmoid'");
  if (!Number.isInteger(maxLength) || maxLength < 3) throw new Error(`seva: maxLength must be an integer >= 3; got ${maxLength}`);
  const average = lossType === 'ipo';
  let reference: Reference | undefined;
  let cache: RefLogpsCache | undefined;
  const monitor = options.collapseWarning === false ? undefined : new ChosenDriftMonitor(options.collapseWarning ?? 1);
  // The last loss's mean per-token chosen log-ratio, kept out of the step's tidy and read in the next
  // (async) prepare, so watching it never blocks the training step on a GPU read-back.
  let pendingDrift: { value: tf.Scalar; step: number } | undefined;
  const readDrift = async (ctx: PluginContext) => {
    if (!pendingDrift || !monitor) return;
    const { value, step } = pendingDrift;
    pendingDrift = undefined;
    const v = (await value.data())[0];
    value.dispose();
    const warning = monitor.push(v, step);
    if (warning) ctx.warn(warning);
  };

  const evaluate: EvalHook[] = [];
  if (options.chair !== false) evaluate.push(chairEvalHook(options.chair ?? {}));
  if (options.pope !== false) evaluate.push(popeEvalHook(options.pope ?? {}));

  /** Summed reference log-probs of the 2B rows, from the cache where possible. */
  const referenceLogps = async (ctx: PluginContext, pairs: PairSample[], batch: ReturnType<typeof pairBatch>, images: tf.Tensor4D): Promise<number[]> => {
    const keys = cache
      ? [...pairs.map((p) => ({ p, r: p.chosen })), ...pairs.map((p) => ({ p, r: p.rejected }))].map(({ p, r }) =>
          RefLogpsCache.key({ id: p.id, image: typeof p.imagePath === 'string' ? p.imagePath : undefined, prompt: p.prompt, response: r, maxLength }),
        )
      : [];
    const cached = keys.map((k) => cache!.get(k));
    if (cache && cached.every((v) => v !== undefined)) return cached as number[];
    reference ??= await createReference(ctx, options.reference ?? 'auto');
    const ref = reference;
    const t = tf.tidy(() => sequenceLogps(ref.logits({ images, inputIds: batch.inputIds, attentionMask: batch.attentionMask }), batch.labels, batch.responseMask));
    const values = Array.from(await t.data());
    t.dispose();
    if (cache) {
      keys.forEach((k, i) => cache!.set(k, values[i]));
      cache.flush();
    }
    return values;
  };

  return definePlugin<Prepared>({
    name: 'seva',
    specificationVersion: 'v1',
    requires: ['vlm'],
    async setup(ctx) {
      if (options.precomputeRefLogps) {
        cache = new RefLogpsCache(ctx.runDir ? join(ctx.runDir, REF_LOGPS_FILE) : undefined);
        if (!ctx.runDir) ctx.log('precomputeRefLogps without a run folder: reference log-probs are cached in memory only');
        else if (cache.size) ctx.log(`loaded ${cache.size} cached reference log-probs`);
      }
      // The reference must be the STARTING policy, so it is made now, before any step (a resumed run
      // then reloads the same frozen weights from the checkpoint). With a full cache it is never used.
      reference = await createReference(ctx, options.reference ?? 'auto');
    },
    async prepare(samples: Sample[], ctx) {
      await readDrift(ctx);
      const pairs = checkPairSamples(samples);
      const model = ctx.model as VisionLanguageModel;
      const clean = imagesToTensor(pairs.map((p) => p.image), model.config.vision.imageSize);
      const images = tf.concat([clean, clean], 0) as tf.Tensor4D;
      clean.dispose();
      const batch = pairBatch(pairs, ctx.tokenizer, maxLength);
      try {
        const sums = await referenceLogps(ctx, pairs, batch, images);
        const ref = average ? sums.map((s, i) => s / Math.max(1, batch.responseTokens[i])) : sums;
        const B = pairs.length;
        return {
          images,
          inputIds: batch.inputIds,
          labels: batch.labels,
          attentionMask: batch.attentionMask,
          responseMask: batch.responseMask,
          refChosen: tf.tensor1d(ref.slice(0, B)),
          refRejected: tf.tensor1d(ref.slice(B)),
          chosenTokens: batch.responseTokens.slice(0, B).reduce((s, n) => s + n, 0),
          chosenTokensPerPair: tf.tensor1d(batch.responseTokens.slice(0, B).map((n) => Math.max(1, n))),
        };
      } catch (err) {
        tf.dispose([images, batch.inputIds, batch.labels, batch.attentionMask, batch.responseMask]);
        throw err;
      }
    },
    loss(_samples, ctx, p) {
      const model = ctx.model as VisionLanguageModel;
      const { logits } = model.forward({ images: p.images, inputIds: p.inputIds, attentionMask: p.attentionMask });
      const logps = sequenceLogps(logits, p.labels, p.responseMask, { average });
      const B = p.refChosen.shape[0];
      const policyChosen = tf.slice(logps, [0], [B]);
      const policyRejected = tf.slice(logps, [B], [B]);
      const out = dpoLoss(policyChosen, policyRejected, p.refChosen, p.refRejected, { beta, lossType, labelSmoothing });
      if (monitor) {
        // IPO's log-probs are already per-token averages; DPO's are sums over each answer's tokens.
        const ratio = tf.sub(policyChosen, p.refChosen);
        const drift = tf.keep(tf.mean(average ? ratio : tf.div(ratio, p.chosenTokensPerPair)) as tf.Scalar);
        pendingDrift?.value.dispose();
        pendingDrift = { value: drift, step: ctx.step };
      }
      let loss = out.loss;
      const extra: Record<string, tf.Scalar> = {};
      if (rpoAlpha > 0) {
        // Summed chosen log-probs (IPO's are per-token averages: summed again here) over all chosen tokens.
        const summed = average ? tf.slice(sequenceLogps(logits, p.labels, p.responseMask), [0], [B]) : policyChosen;
        const nll = tf.div(tf.neg(tf.sum(summed)), Math.max(1, p.chosenTokens)) as tf.Scalar;
        loss = tf.add(out.loss, tf.mul(nll, rpoAlpha)) as tf.Scalar;
        extra.nll = nll;
        extra.dpo_loss = out.loss;
      }
      return {
        loss,
        metrics: {
          ...extra,
          'rewards/chosen': tf.mean(out.chosenRewards),
          'rewards/rejected': tf.mean(out.rejectedRewards),
          'rewards/accuracies': tf.mean(tf.cast(tf.greater(out.chosenRewards, out.rejectedRewards), 'float32')),
          'rewards/margins': tf.mean(tf.sub(out.chosenRewards, out.rejectedRewards)),
          'logps/chosen': tf.mean(policyChosen),
          'logps/rejected': tf.mean(policyRejected),
        },
      };
    },
    evaluate,
    dispose() {
      pendingDrift?.value.dispose();
      pendingDrift = undefined;
    },
  });
}
