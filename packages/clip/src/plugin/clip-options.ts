import { z } from 'zod';
import { compileSwapGroups } from '../negatives/swap-negatives.js';

/** Default zero-shot prompt templates; `{}` is replaced by the class name. */
export const DEFAULT_ZERO_SHOT_TEMPLATES: readonly string[] = ['a {}', 'a photo of a {}', 'an image of a {}'];

const positiveInt = z.number().int().positive();

/**
 * Schema of {@link ClipOptions}. Exported so configuration front-ends (the CLI) validate plugin
 * options before a run starts and can print it as JSON Schema (`z.toJSONSchema(clipOptionsSchema)`).
 */
export const clipOptionsSchema = z
  .strictObject({
    loss: z.enum(['infonce', 'siglip']).default('infonce').describe('Contrastive objective: symmetric InfoNCE (CLIP) or pairwise sigmoid (SigLIP).'),
    initLogitScale: z
      .number()
      .optional()
      .describe('Initial natural log of the logit scale (open_clip init_logit_scale). Default ln(1/0.07) for infonce, ln(10) for siglip.'),
    initLogitBias: z.number().optional().describe('Initial logit bias; siglip only. Default -10.'),
    maxLogitScale: z.number().gt(1).default(100).describe('The log scale is clamped to [0, ln(maxLogitScale)] after every optimiser step.'),
    accumulate: positiveInt
      .default(1)
      .describe('Micro-batches per contrastive batch. Above 1, features are cached so gradients equal the full-batch ones at a fraction of the memory.'),
    textMaxLength: positiveInt.optional().describe("Captions are truncated to this many tokens including BOS/EOS. Default: the text tower's maxLength."),
    textTower: z
      .strictObject({
        width: positiveInt.optional(),
        layers: positiveInt.optional(),
        heads: positiveInt.optional(),
        mlpHidden: positiveInt.optional(),
        embedDim: positiveInt.optional(),
        seed: z.number().int().optional(),
      })
      .optional()
      .describe(
        "Text tower the plugin adds when the model is a VisionLanguageModel (a DualEncoder brings its own). Defaults: the vision tower's width and heads, 2 layers, mlpHidden 4*width, embedDim = width.",
      ),
    hardNegatives: z
      .strictObject({
        swapGroups: z
          .array(z.array(z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])).min(2))
          .min(1)
          .describe(
            'Groups of interchangeable words; an entry is a word or a list of synonyms. A word is only replaced by a word of another entry of its group.',
          ),
        perCaption: positiveInt.default(1).describe('Swapped copies made of each caption (captions without a swappable word get none).'),
      })
      .optional()
      .describe(
        "NegCLIP-style hard negatives: each caption's copies with one word swapped within its group are extra negatives of the image -> text loss (infonce, accumulate 1).",
      ),
    retrieval: z
      .strictObject({
        maxSamples: positiveInt.optional().describe('Evaluate on at most this many images of the eval set.'),
        batchSize: positiveInt.default(32),
      })
      .prefault({}),
    zeroShot: z
      .strictObject({
        classNames: z.array(z.string().min(1)).min(2).optional().describe('Class names; default: every label found in the eval set.'),
        templates: z
          .array(z.string().includes('{}', { message: 'each template must contain "{}" where the class name goes' }))
          .min(1)
          .default([...DEFAULT_ZERO_SHOT_TEMPLATES]),
        maxSamples: positiveInt.optional(),
        batchSize: positiveInt.default(32),
      })
      .prefault({}),
  })
  .superRefine((o, ctx) => {
    if (o.loss === 'infonce' && o.initLogitBias !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['initLogitBias'], message: 'a logit bias is only used by loss "siglip"' });
    }
    if (o.hardNegatives) {
      if (o.loss !== 'infonce') ctx.addIssue({ code: 'custom', path: ['hardNegatives'], message: 'hard negatives are only supported with loss "infonce"' });
      if (o.accumulate !== 1) ctx.addIssue({ code: 'custom', path: ['hardNegatives'], message: 'hard negatives need accumulate 1 (the feature cache does not carry them)' });
      try {
        compileSwapGroups(o.hardNegatives.swapGroups);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['hardNegatives', 'swapGroups'], message: (e as Error).message });
      }
    }
  });

/** Options of the {@link clip} plugin, as written in a config file (defaults filled by the schema). */
export type ClipOptions = z.input<typeof clipOptionsSchema>;
/** {@link ClipOptions} after validation, every default filled. */
export type ResolvedClipOptions = z.output<typeof clipOptionsSchema>;

/** Validates options and fills defaults; throws an error naming each bad field. */
export function resolveClipOptions(options: ClipOptions = {}): ResolvedClipOptions {
  const parsed = clipOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  clip.options.${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`Invalid @vlalign/clip options:\n${problems}`);
  }
  return parsed.data;
}
