import { z } from 'zod';

/**
 * Schema of {@link LoraConfig}. Exported so configuration front-ends (the CLI) can validate options
 * before a run starts and print them as JSON Schema.
 */
export const loraConfigSchema = z.strictObject({
  rank: z.number().int().positive().default(8).describe('Rank r of each update (PEFT `r`).'),
  alpha: z.number().positive().default(16).describe('Scale numerator (PEFT `lora_alpha`): updates are multiplied by alpha / r.'),
  dropout: z.number().min(0).lt(1).default(0).describe("Dropout on the adapter's input in training mode (PEFT `lora_dropout`)."),
  targets: z
    .union([z.array(z.string().min(1)).min(1), z.instanceof(RegExp), z.string().min(1)])
    .default('llm-all-linear')
    .describe('Module-path suffixes, a RegExp matched against the whole path, or a preset name (see TARGET_PRESETS).'),
  useRsLoRA: z.boolean().default(false).describe('Scale by alpha / sqrt(r) (rank-stabilised LoRA, PEFT `use_rslora`).'),
  freezeBase: z.boolean().default(true).describe('Freeze every parameter except the adapters (and `trainableModules`).'),
  trainableModules: z
    .array(z.string().min(1))
    .default([])
    .describe('Module paths (or path suffixes) whose parameters stay trainable despite freezeBase, e.g. ["projector"] (PEFT `modules_to_save`, without the copy).'),
  seed: z.number().int().default(0).describe("Seed of the adapters' init and dropout; each module derives its own from this and its path."),
  initLoraWeights: z
    .boolean()
    .default(true)
    .describe('true: A Kaiming-uniform, B = 0 (starts equal to the base). false: B random too (as the released PLoRA code; testing).'),
});

/** Options of `applyLoRA` / `applyPartialLoRA`; every field has a default. */
export type LoraConfig = z.input<typeof loraConfigSchema>;
/** {@link LoraConfig} with every default filled. */
export type ResolvedLoraConfig = z.output<typeof loraConfigSchema>;

/** Validates a config and fills defaults; throws an error naming each bad field. */
export function resolveLoraConfig(config: LoraConfig = {}, where = 'LoRA config'): ResolvedLoraConfig {
  const parsed = loraConfigSchema.safeParse(config);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`Invalid ${where}:\n${problems}`);
  }
  return parsed.data;
}
