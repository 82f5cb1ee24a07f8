import {
  ViT,
  deriveSeed,
  definePlugin,
  imagesToTensor,
  maskedMeanCrossEntropy,
  tf,
  type CausalLM,
  type Module,
  type Plugin,
  type PluginContext,
  type Sample,
} from '@vlalign/core';
import { DynamicVisualTokenizer } from '../tokenizer/dynamic-visual-tokenizer.js';
import { tokenizeFeatures } from '../tokenizer/tokenize-image.js';
import { calibrateSelectorThreshold, keepProbabilities } from '../selector/calibrate-threshold.js';
import { createUnifiedLM, type UnifiedVocabulary } from '../unified/unified-vocabulary.js';
import { pairSequence, sequenceBatch, type SequenceBatch } from '../unified/unified-sequences.js';
import { parseLavitOptions, type LavitJsonOptions, type ResolvedLavitOptions } from './lavit-options.js';
import { lavitEvalHooks } from './lavit-eval.js';

/** Options of {@link lavit}: the JSON options plus modules built by the caller. */
export interface LavitOptions extends LavitJsonOptions {
  /** A tokenizer to train or use (e.g. one trained in an earlier run); otherwise one is built in `setup`. */
  visualTokenizer?: DynamicVisualTokenizer;
  /** A unified LM and its vocabulary (see `createUnifiedLM`); otherwise built from `unifiedLm`. */
  unified?: { lm: CausalLM; vocab: UnifiedVocabulary };
}

/** The training phase of a step. */
export type LavitPhase = 'stage1' | 'stage2' | 'lm';

/** Which phase step `step` of `total` is in, for resolved options. */
export function lavitPhase(step: number, total: number, o: Pick<ResolvedLavitOptions, 'mode' | 'tokenizerSteps' | 'stage1Steps'>): LavitPhase {
  if (o.mode === 'unified-lm') return 'lm';
  const tokSteps = o.tokenizerSteps ?? (o.mode === 'tokenizer' ? total : Math.floor(total / 2));
  const s1 = o.stage1Steps ?? Math.round(0.4 * tokSteps);
  if (step < s1) return 'stage1';
  if (o.mode === 'tokenizer' || step < tokSteps) return 'stage2';
  return 'lm';
}

/** The ViT of the trainer's model (its `vision` child, or the model itself). */
export function visionTower(model: Module): ViT {
  const m = model as unknown as { vision?: unknown };
  const vit = m.vision ?? model;
  if (!(vit instanceof ViT)) throw new Error('lavit: the model has no ViT vision tower (expected model.vision, as VisionLanguageModel and DualEncoder have)');
  return vit;
}

/** Patch features `[B, N, D]` of the samples' images from the vision tower, outside any tape. */
export function patchFeatures(vit: ViT, samples: readonly Sample[]): tf.Tensor3D {
  const images = samples.map((s) => {
    if (!s.image) throw new Error(`lavit: sample "${s.id}" has no "image"`);
    return s.image;
  });
  return tf.tidy(() => vit.forward(imagesToTensor(images, vit.config.imageSize)).tokens);
}

/** The caption of a sample used by the unified LM (first of an array). */
export function sampleCaption(s: Sample, field: string): string {
  const v = s[field];
  const text = Array.isArray(v) ? v[0] : v;
  if (typeof text !== 'string') throw new Error(`lavit: sample "${s.id}" has no caption at field "${field}" (expected a string or an array of strings)`);
  return text;
}

interface Prepared {
  features?: tf.Tensor3D;
  batch?: SequenceBatch;
}

/** Plugin state shared by its hooks (one per plugin instance). */
export interface LavitState {
  options: ResolvedLavitOptions;
  tokenizer?: DynamicVisualTokenizer;
  unified?: { lm: CausalLM; vocab: UnifiedVocabulary };
  /** Encoder outputs collected at the end of stage 1 for the k-means initialisation. */
  kmeansBuffer: Float32Array[];
  /** Kept `[n, codeDim]` encoder outputs and their code ids, applied to the codebook after the step. */
  pendingEma: { z: tf.Tensor2D; indices: tf.Tensor1D }[];
  /** Inference keep probabilities of the last stage-2 batches (threshold calibration window). */
  calibration: Float32Array[];
  /** The calibration window changed since the threshold was last set. */
  calibrationDirty: boolean;
  /** The threshold has been calibrated at least once in this run. */
  calibrated?: boolean;
  /** Whether the unified LM has had training steps (or was handed over ready: mode 'unified-lm'). */
  lmTrained: boolean;
}

/**
 * The LaVIT plugin: trains the dynamic discrete visual tokenizer over the patch features of the
 * model's vision tower (frozen by default, or trained in the same run by another plugin — LaVIT's
 * loss never reaches it), and optionally a unified LM over `[IMG] ids [/IMG]` + caption sequences.
 *
 * Schedule (by optimiser step): stage 1 (`stage1Steps`, default 40% of the tokenizer steps):
 * selector + merger + decoder on the continuous unit codes; the encoder outputs of the last
 * `kmeansInitBatches` batches initialise the codebook by spherical k-means; stage 2: quantised
 * (straight-through, EMA codebook with dead-code restarts after each step, commitment loss); then,
 * in mode `'both'` (or `'unified-lm'`), next-token training of the unified LM on ids from the
 * tokenizer in inference mode.
 *
 * Metrics: `recon_loss`, `keep_ratio_loss`, `kept_fraction`, `commitment`, `stage` (1, 2; 3 = LM),
 * `lm_loss`. Eval hooks: `tokens` (`tokens_per_image`, `codebook_usage`, `codebook_perplexity`,
 * `recon_cosine`, `tokens_objects_spearman` when samples carry `complexity.objects`) and `caption`
 * (`cider_d` of captions generated from visual ids, once the unified LM has trained).
 *
 * @example
 * new Trainer({ model: createModel('vlm', 'tiny'), tokenizer, data, evalData, steps: 600,
 *   plugins: [lavit({ mode: 'both', tokenizerSteps: 400, tokenizer: { codebookSize: 512 } })] });
 */
export function lavit(options: LavitOptions = {}): Plugin<Prepared> {
  const { visualTokenizer, unified, ...json } = options;
  const o = parseLavitOptions(json);
  const state: LavitState = { options: o, kmeansBuffer: [], pendingEma: [], calibration: [], calibrationDirty: false, lmTrained: o.mode === 'unified-lm' };
  const usesLm = o.mode !== 'tokenizer';
  const phase = (ctx: PluginContext) => lavitPhase(ctx.step, ctx.totalSteps, o);
  const tokSteps = (ctx: PluginContext) => o.tokenizerSteps ?? (o.mode === 'tokenizer' ? ctx.totalSteps : o.mode === 'both' ? Math.floor(ctx.totalSteps / 2) : 0);
  const stage1 = (ctx: PluginContext) => o.stage1Steps ?? Math.round(0.4 * tokSteps(ctx));

  return definePlugin<Prepared>({
    name: 'lavit',
    specificationVersion: 'v1',
    requires: ['vision'],
    setup(ctx) {
      const vit = visionTower(ctx.model);
      if (o.freezeVision) vit.freeze();
      const tok =
        visualTokenizer ??
        new DynamicVisualTokenizer({ ...o.tokenizer, featureDim: vit.config.width, numPatches: vit.numPatches });
      tok.attachVision(vit);
      state.tokenizer = ctx.registerModule('tokenizer', tok);
      if (usesLm) {
        const u =
          unified ??
          createUnifiedLM(
            { width: o.unifiedLm.width, layers: o.unifiedLm.layers, heads: o.unifiedLm.heads, mlpHidden: o.unifiedLm.mlpHidden, maxLength: o.unifiedLm.maxLength ?? vit.numPatches + 48 },
            ctx.tokenizer.vocabSize,
            tok.config.codebookSize,
            { seed: o.unifiedLm.seed },
          );
        if (u.vocab.codebookSize !== tok.config.codebookSize || u.vocab.textVocabSize !== ctx.tokenizer.vocabSize) {
          throw new Error(`lavit: the unified vocabulary (${u.vocab.textVocabSize} text + ${u.vocab.codebookSize} codes) does not match the tokenizer (${ctx.tokenizer.vocabSize} text ids, ${tok.config.codebookSize} codes)`);
        }
        ctx.registerModule('unified_lm', u.lm);
        state.unified = u;
      }
    },
    async prepare(samples, ctx) {
      const tok = state.tokenizer!;
      const vit = tok.vision;
      const p = phase(ctx);
      if (p === 'stage2' && o.freezeSelectorInStage2) tok.selector.freeze();
      if (p === 'stage2' && !tok.codebook.initialized) initCodebook(state, ctx, samples);
      if (p !== 'lm') {
        const features = patchFeatures(vit, samples);
        const fm = tok.featureMean;
        if (fm && fm.images < o.featureMeanSamples) tok.accumulateFeatureMean(features);
        if (p === 'stage2' && o.calibrateThreshold) collectCalibration(state, features);
        return { features };
      }
      if (!tok.codebook.initialized) throw new Error('lavit: the unified LM phase needs a trained tokenizer, but its codebook was never initialised (train the tokenizer first, or pass visualTokenizer)');
      const features = patchFeatures(vit, samples);
      const tokens = tokenizeFeatures(tok, features);
      features.dispose();
      const u = state.unified!;
      const seqs = samples.map((s, i) => pairSequence(u.vocab, ctx.tokenizer, tokens[i].ids, sampleCaption(s, o.captionField), ctx.random() < o.textFirstRatio ? 'text-first' : 'image-first'));
      return { batch: sequenceBatch(seqs, ctx.tokenizer.padId, u.lm.config.maxLength) };
    },
    loss(_samples, ctx, prepared) {
      const p = phase(ctx);
      if (p === 'lm') {
        const { inputIds, labels, attentionMask } = prepared.batch!;
        const { logits } = state.unified!.lm.forward(inputIds, { attentionMask });
        const loss = maskedMeanCrossEntropy(logits, labels);
        return { loss, metrics: { stage: 3, lm_loss: loss } };
      }
      const tok = state.tokenizer!;
      const features = prepared.features!;
      const mask = p === 'stage2' && state.calibrated && thresholdMaskStep(ctx.step, o.thresholdMaskShare) ? 'threshold' : 'gumbel';
      const out = tok.forward(features, { quantize: p === 'stage2', seed: deriveSeed(ctx.step, 'lavit-gumbel'), mask });
      const terms = tok.loss(out, features, { keepRatio: o.keepRatio, keepRatioWeight: o.keepRatioWeight, keepRatioScope: o.keepRatioScope, commitmentWeight: o.commitmentWeight });
      const kept = keptRows(out.keepValues);
      if (p === 'stage1' && ctx.step >= stage1(ctx) - o.kmeansInitBatches && kept.length) {
        // Read back on the JS side: the buffer must outlive the tape's tidy.
        state.kmeansBuffer.push(Float32Array.from(gatherRows(out.zHat, kept).dataSync() as Float32Array));
      }
      if (p === 'stage2' && kept.length) {
        state.pendingEma.push({ z: tf.keep(gatherRows(out.zHat, kept)), indices: tf.keep(tf.tensor1d(kept.map((r) => out.indices![r]), 'int32')) });
      }
      const metrics: Record<string, tf.Tensor | number> = {
        stage: p === 'stage1' ? 1 : 2,
        recon_loss: terms.reconstruction,
        keep_ratio_loss: terms.keepRatio,
        kept_fraction: terms.keptFraction,
      };
      if (terms.commitment) metrics.commitment = terms.commitment;
      return { loss: terms.total, metrics };
    },
    afterStep(ctx) {
      if (phase(ctx) === 'lm') state.lmTrained = true;
      if (state.calibrationDirty) {
        calibrateSelectorThreshold(state.tokenizer!.selector, state.calibration, o.keepRatio);
        state.calibrationDirty = false;
        state.calibrated = true;
      }
      if (!state.pendingEma.length) return;
      const tok = state.tokenizer!;
      const z = tf.concat(state.pendingEma.map((e) => e.z)) as tf.Tensor2D;
      const idx = tf.concat(state.pendingEma.map((e) => e.indices)) as tf.Tensor1D;
      for (const e of state.pendingEma) tf.dispose([e.z, e.indices]);
      state.pendingEma = [];
      try {
        tok.codebook.update(z, idx, () => ctx.random());
      } finally {
        tf.dispose([z, idx]);
      }
    },
    evaluate: lavitEvalHooks(state),
    dispose() {
      for (const e of state.pendingEma) tf.dispose([e.z, e.indices]);
      state.pendingEma = [];
      state.kmeansBuffer = [];
      state.calibration = [];
    },
  });
}

/** Adds the batch's inference keep probabilities (on the tokenizer's input) to the calibration window. */
function collectCalibration(state: LavitState, features: tf.Tensor3D): void {
  const tok = state.tokenizer!;
  const x = tok.center(features);
  try {
    state.calibration.push(keepProbabilities(tok.selector, x));
  } finally {
    if (x !== features) x.dispose();
  }
  if (state.calibration.length > state.options.calibrationBatches) state.calibration.shift();
  state.calibrationDirty = true;
}

/**
 * The unified-LM stage as its own plugin: `lavit({ ...options, mode: 'unified-lm' })`. Pass the
 * trained tokenizer as `visualTokenizer` (or resume a run whose checkpoint holds it).
 */
export function lavitLm(options: Omit<LavitOptions, 'mode'> = {}): Plugin<Prepared> {
  return lavit({ ...options, mode: 'unified-lm' });
}

/** Whether step `step` trains on the inference mask: `share` of the steps, evenly spread. */
export function thresholdMaskStep(step: number, share: number): boolean {
  return Math.floor((step + 1) * share) > Math.floor(step * share);
}

function keptRows(keepValues: Float32Array): number[] {
  const rows: number[] = [];
  for (let i = 0; i < keepValues.length; i++) if (keepValues[i] > 0.5) rows.push(i);
  return rows;
}

function gatherRows(x: tf.Tensor3D, rows: number[]): tf.Tensor2D {
  const [b, n, c] = x.shape;
  return tf.gather(tf.reshape(x, [b * n, c]), tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
}

/** K-means initialisation of the codebook from the buffered stage-1 outputs (plus this batch's). */
function initCodebook(state: LavitState, ctx: PluginContext, samples: readonly Sample[]): void {
  const tok = state.tokenizer!;
  const c = tok.config.codeDim;
  const features = patchFeatures(tok.vision, samples);
  const wasTraining = tok.training;
  tok.eval();
  try {
    const z = tf.tidy(() => {
      const x = tok.center(features);
      const sel = tok.selector.forward(x);
      const kept = keptRows(sel.keepValues);
      return kept.length ? gatherRows(tok.encode(tok.merger.forward(x, sel.keep)), kept) : undefined;
    });
    if (z) {
      state.kmeansBuffer.push(Float32Array.from(z.dataSync() as Float32Array));
      z.dispose();
    }
  } finally {
    features.dispose();
    tok.train(wasTraining);
  }
  const total = state.kmeansBuffer.reduce((n, b) => n + b.length, 0);
  const data = new Float32Array(total);
  let at = 0;
  for (const b of state.kmeansBuffer) {
    data.set(b, at);
    at += b.length;
  }
  state.kmeansBuffer = [];
  if (total === 0) throw new Error('lavit: cannot initialise the codebook: the selector kept no tokens in the k-means batches (raise keepRatio or lower the threshold)');
  tok.codebook.initFromVectors(data, total / c, () => ctx.random());
  ctx.log(`lavit: codebook initialised by k-means from ${total / c} vectors at step ${ctx.step}`);
}
