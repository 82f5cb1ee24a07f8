import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** Schema of {@link ViTConfig}. */
export const vitConfigSchema = z
  .object({
    imageSize: positiveInt,
    patchSize: positiveInt,
    channels: positiveInt.default(3),
    width: positiveInt,
    layers: z.number().int().nonnegative(),
    heads: positiveInt,
    mlpHidden: positiveInt,
    dropout: z.number().min(0).lt(1).default(0),
    eps: z.number().positive().default(1e-5),
    /**
     * How pixels become tokens: `'patch'` (default) flattens each non-overlapping patch and projects
     * it linearly; `'conv'` runs log2(patchSize) stride-2 3x3 convolutions (an early-convolution
     * stem), which learns shapes much faster on small data. Same token grid either way.
     */
    stem: z.enum(['patch', 'conv']).default('patch'),
  })
  .strict()
  .refine((c) => c.imageSize % c.patchSize === 0, { message: 'imageSize must be a multiple of patchSize' })
  .refine((c) => c.stem !== 'conv' || (c.patchSize >= 2 && (c.patchSize & (c.patchSize - 1)) === 0), {
    message: 'stem "conv" needs a patchSize that is a power of two (each stage halves the image)',
  })
  .refine((c) => c.width % c.heads === 0, { message: 'width must be a multiple of heads' });

/** Schema shared by the text encoder and the causal LM. */
export const textConfigSchema = z
  .object({
    vocabSize: positiveInt,
    maxLength: positiveInt,
    width: positiveInt,
    layers: z.number().int().nonnegative(),
    heads: positiveInt,
    mlpHidden: positiveInt,
    dropout: z.number().min(0).lt(1).default(0),
    eps: z.number().positive().default(1e-5),
  })
  .strict()
  .refine((c) => c.width % c.heads === 0, { message: 'width must be a multiple of heads' });

/** Schema of {@link VisionLanguageModelConfig}. */
export const vlmConfigSchema = z
  .object({
    vision: vitConfigSchema,
    lm: textConfigSchema,
    /** Hidden width of the vision -> LM projector MLP (default: the LM width). */
    projectorHidden: positiveInt.optional(),
  })
  .strict();

/** Schema of {@link DualEncoderConfig}. */
export const dualEncoderConfigSchema = z
  .object({
    vision: vitConfigSchema,
    text: textConfigSchema,
    /** Width of the shared embedding space. */
    embedDim: positiveInt,
  })
  .strict();

/** Vision transformer configuration (input: `imageSize` x `imageSize` RGB, square patches). */
export type ViTConfig = z.input<typeof vitConfigSchema>;
/** Text transformer / causal LM configuration. */
export type TextConfig = z.input<typeof textConfigSchema>;
/** Configuration of a {@link TextEncoder}. */
export type TextEncoderConfig = TextConfig;
/** Configuration of a {@link CausalLM}. */
export type CausalLMConfig = TextConfig;
/** Configuration of a {@link VisionLanguageModel}. */
export type VisionLanguageModelConfig = z.input<typeof vlmConfigSchema>;
/** Configuration of a {@link DualEncoder}. */
export type DualEncoderConfig = z.input<typeof dualEncoderConfigSchema>;

/** A config with every default filled in (what models expose as `config`). */
export type ResolvedViTConfig = z.output<typeof vitConfigSchema>;
export type ResolvedTextConfig = z.output<typeof textConfigSchema>;
export type ResolvedVisionLanguageModelConfig = z.output<typeof vlmConfigSchema>;
export type ResolvedDualEncoderConfig = z.output<typeof dualEncoderConfigSchema>;

/**
 * Validates a config, filling defaults; throws an Error naming `where`, each bad field and what was
 * expected.
 */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const issues = res.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
  throw new Error(`${where}: invalid config: ${issues}`);
}
