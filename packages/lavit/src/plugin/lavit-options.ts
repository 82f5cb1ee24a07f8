import { z } from 'zod';

/** Schema of the JSON-able part of {@link LavitOptions} (a config file can set every field). */
export const lavitOptionsSchema = z.strictObject({
  /**
   * What the plugin trains: `'tokenizer'` (stage 1 then stage 2 for every step), `'unified-lm'`
   * (only the unified LM, over a trained tokenizer) or `'both'` (tokenizer for `tokenizerSteps`,
   * then the LM).
   */
  mode: z.enum(['tokenizer', 'unified-lm', 'both']).default('tokenizer'),
  /** Steps of tokenizer training (stage 1 + stage 2). Default: every step in mode `'tokenizer'`, half of them in `'both'`. */
  tokenizerSteps: z.number().int().nonnegative().optional(),
  /** Stage-1 steps (selector + merger + decoder, no quantisation). Default 40% of `tokenizerSteps`. */
  stage1Steps: z.number().int().nonnegative().optional(),
  /** Target keep ratio ρ. Default 0.3 (unconfirmed in LaVIT; the notes' guess). */
  keepRatio: z.number().gt(0).max(1).default(0.3),
  /**
   * Over what the keep-ratio loss averages the kept fraction: `'image'` (LaVIT / DynamicViT:
   * `mean_b (ρ − mean_i M_bi)²`, every image pulled to ρ) or `'batch'` (`(ρ − mean_{b,i} M_bi)²`,
   * only the batch's share is pulled to ρ, so counts may vary across images). Default `'image'`.
   */
  keepRatioScope: z.enum(['image', 'batch']).default('image'),
  /** λ, weight of the keep-ratio loss. Default 2. */
  keepRatioWeight: z.number().nonnegative().default(2),
  /** β, commitment weight. Default 0.25. */
  commitmentWeight: z.number().nonnegative().default(0.25),
  /** Freeze the model's vision tower (its features are the reconstruction target). Default true. */
  freezeVision: z.boolean().default(true),
  /** Freeze the selector in stage 2 (LaVIT issue #10) instead of training end-to-end (issue #29). Default false. */
  freezeSelectorInStage2: z.boolean().default(false),
  /** Last stage-1 batches whose encoder outputs initialise the codebook by k-means. Default 8. */
  kmeansInitBatches: z.number().int().positive().default(8),
  /**
   * With `tokenizer.centerFeatures`: images of the first tokenizer batches averaged into the
   * per-position mean feature μ (then frozen). Default 512.
   */
  featureMeanSamples: z.number().int().positive().default(512),
  /**
   * Calibrate the selector's inference threshold during stage 2 so that a share ρ (`keepRatio`) of
   * the tokens of the last `calibrationBatches` batches (scored before the step trains on them) is
   * kept; token counts then follow each image's keep probabilities. False: the fixed
   * `tokenizer.threshold`. Default true.
   */
  calibrateThreshold: z.boolean().default(true),
  /**
   * Share of stage-2 steps (evenly spread, once a threshold is calibrated) that train on the
   * inference mask (`p_keep >= threshold`, straight-through) instead of a Gumbel sample, so merger
   * and decoder also see the masks they get at inference. Default 0.
   */
  thresholdMaskShare: z.number().min(0).max(1).default(0),
  /** Batches (a rolling window) the threshold is calibrated on. Default 8. */
  calibrationBatches: z.number().int().positive().default(8),
  /** Tokenizer architecture (featureDim and numPatches come from the vision tower). */
  tokenizer: z
    .strictObject({
      codeDim: z.number().int().positive().optional(),
      codebookSize: z.number().int().positive().optional(),
      mergerLayers: z.number().int().nonnegative().optional(),
      decoderLayers: z.number().int().nonnegative().optional(),
      heads: z.number().int().positive().optional(),
      decoderWidth: z.number().int().positive().optional(),
      emaDecay: z.number().min(0).lt(1).optional(),
      deadCodeSteps: z.number().int().nonnegative().optional(),
      threshold: z.number().gt(0).lt(1).optional(),
      minTokens: z.number().int().nonnegative().optional(),
      centerFeatures: z.boolean().optional(),
      tau: z.number().positive().optional(),
      codePositions: z.enum(['rank', 'patch']).optional(),
      seed: z.number().int().optional(),
    })
    .default({}),
  /** Unified LM architecture (vocabulary = text + 2 + codebook). */
  unifiedLm: z
    .strictObject({
      width: z.number().int().positive().default(64),
      layers: z.number().int().nonnegative().default(2),
      heads: z.number().int().positive().default(4),
      mlpHidden: z.number().int().positive().default(256),
      /** Default: patches + caption room (numPatches + 48). */
      maxLength: z.number().int().positive().optional(),
      seed: z.number().int().default(0),
    })
    .default({ width: 64, layers: 2, heads: 4, mlpHidden: 256, seed: 0 }),
  /** Fraction of pairs presented text-first (`caption [IMG] ids [/IMG]`); the rest image-first. Default 0.5. */
  textFirstRatio: z.number().min(0).max(1).default(0.5),
  /** Sample field with the captions. Default `'captions'`. */
  captionField: z.string().default('captions'),
  /** Evaluation settings. */
  eval: z
    .strictObject({
      maxSamples: z.number().int().positive().default(128),
      batchSize: z.number().int().positive().default(32),
      captionMaxTokens: z.number().int().positive().default(24),
    })
    .default({ maxSamples: 128, batchSize: 32, captionMaxTokens: 24 }),
});

/** Options of the `lavit` plugin (see {@link lavitOptionsSchema} for each field). */
export type LavitJsonOptions = z.input<typeof lavitOptionsSchema>;
export type ResolvedLavitOptions = z.output<typeof lavitOptionsSchema>;

/** Validates plugin options, naming each bad field. */
export function parseLavitOptions(value: unknown): ResolvedLavitOptions {
  const res = lavitOptionsSchema.safeParse(value ?? {});
  if (res.success) return res.data;
  throw new Error(`lavit: invalid options: ${res.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
}
