import { z } from 'zod';
import { loraConfigSchema } from '../inject/lora-config.js';

/**
 * Schema of {@link PloraOptions}: every `LoraConfig` field plus `partial`. Exported for
 * configuration front-ends (validation, JSON Schema).
 */
export const ploraOptionsSchema = loraConfigSchema.extend({
  partial: z
    .boolean()
    .default(true)
    .describe('Partial LoRA (update only on visual-token rows, as InternLM-XComposer2) when true; standard LoRA on every row when false.'),
});

/** Options of the {@link plora} plugin (defaults filled by the schema). */
export type PloraOptions = z.input<typeof ploraOptionsSchema>;
/** {@link PloraOptions} with every default filled. */
export type ResolvedPloraOptions = z.output<typeof ploraOptionsSchema>;

/** Validates plugin options and fills defaults; throws an error naming each bad field. */
export function resolvePloraOptions(options: PloraOptions = {}): ResolvedPloraOptions {
  const parsed = ploraOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  plora.options.${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`Invalid @vlalign/plora options:\n${problems}`);
  }
  return parsed.data;
}
