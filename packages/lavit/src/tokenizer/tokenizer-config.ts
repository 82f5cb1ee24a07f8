import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** Schema of {@link VisualTokenizerConfig}. */
export const visualTokenizerConfigSchema = z
  .strictObject({
    /** Width of the patch features (the ViT width). */
    featureDim: positiveInt,
    /** Patches per image (the ViT's N). */
    numPatches: positiveInt,
    /** Code dimension of the quantizer. Default 32 (LaVIT). */
    codeDim: positiveInt.default(32),
    /** Number of codes. Default 1024 (LaVIT: 16384, scaled to the shapes world). */
    codebookSize: positiveInt.default(1024),
    /** Merger blocks. Default 2. */
    mergerLayers: z.number().int().nonnegative().default(2),
    /** Decoder blocks. Default 2. */
    decoderLayers: z.number().int().nonnegative().default(2),
    /** Attention heads of merger and decoder. Default 4. */
    heads: positiveInt.default(4),
    /** Decoder width. Default `featureDim`. */
    decoderWidth: positiveInt.optional(),
    /** EMA decay of the codebook. Default 0.99. */
    emaDecay: z.number().min(0).lt(1).default(0.99),
    /** Restart codes idle for this many EMA updates (0: never). Default 100. */
    deadCodeSteps: z.number().int().nonnegative().default(100),
    /** Inference keep threshold on the keep probability. Default 0.5. */
    threshold: z.number().gt(0).lt(1).default(0.5),
    /** Inference keeps at least this many tokens per image. Default 1. */
    minTokens: z.number().int().nonnegative().default(1),
    /**
     * Work on `X − μ`, μ the dataset-mean feature per position (a `FeatureMean` child, filled by
     * `accumulateFeatureMean`): the selector's input and the reconstruction target lose their
     * content-free, position-dependent component. Default false.
     */
    centerFeatures: z.boolean().default(false),
    /**
     * Position embedding of each code in the decoder: `'rank'` (LaVIT: the rank in the kept
     * sequence) or `'patch'` (the kept token's patch index; then decoding ids needs their patches,
     * see `decodeIds`). Default `'rank'`.
     */
    codePositions: z.enum(['rank', 'patch']).default('rank'),
    /** Gumbel temperature. Default 1. */
    tau: z.number().positive().default(1),
    /** Initialisation seed. Default 0. */
    seed: z.number().int().default(0),
  })
  .refine((c) => c.featureDim % 4 === 0, { message: 'featureDim must be a multiple of 4 (the selector splits it)' })
  .refine((c) => c.featureDim % c.heads === 0 && (c.decoderWidth ?? c.featureDim) % c.heads === 0, { message: 'featureDim and decoderWidth must be multiples of heads' });

/** Configuration of a {@link DynamicVisualTokenizer}. */
export type VisualTokenizerConfig = z.input<typeof visualTokenizerConfigSchema>;
/** A config with every default filled in. */
export type ResolvedVisualTokenizerConfig = z.output<typeof visualTokenizerConfigSchema>;

/** Validates a tokenizer config, naming each bad field. */
export function parseVisualTokenizerConfig(value: unknown, where = 'DynamicVisualTokenizer'): ResolvedVisualTokenizerConfig {
  const res = visualTokenizerConfigSchema.safeParse(value);
  if (res.success) return res.data;
  throw new Error(`${where}: invalid config: ${res.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
}
