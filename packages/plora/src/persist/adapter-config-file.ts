import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

/** File names inside an adapter folder (the same as PEFT's). */
export const ADAPTER_FILES = {
  weights: 'adapter_model.safetensors',
  config: 'adapter_config.json',
} as const;

/** Prefix PEFT puts before module paths in adapter tensor names (`PeftModel` -> `LoraModel` -> model). */
export const PEFT_PREFIX = 'base_model.model.';

/**
 * Schema of `adapter_config.json`. PEFT's field names for what PEFT has (`r`, `lora_alpha`,
 * `lora_dropout`, `target_modules`, `use_rslora`, `rank_pattern`, `alpha_pattern`, ...), plus ours:
 * `partial` (Partial LoRA), `partial_pattern` / `dropout_pattern` (per-module exceptions) and `base_model_fingerprint`.
 * Unknown fields are kept and ignored, so files written by PEFT parse too.
 */
export const adapterConfigSchema = z.looseObject({
  peft_type: z.literal('LORA'),
  r: z.number().int().positive(),
  lora_alpha: z.number().positive(),
  lora_dropout: z.number().min(0).lt(1).default(0),
  target_modules: z.array(z.string().min(1)).min(1),
  use_rslora: z.boolean().default(false),
  rank_pattern: z.record(z.string(), z.number().int().positive()).default({}),
  alpha_pattern: z.record(z.string(), z.number().positive()).default({}),
  partial: z.boolean().default(false),
  partial_pattern: z.record(z.string(), z.boolean()).default({}),
  dropout_pattern: z.record(z.string(), z.number().min(0).lt(1)).default({}),
  base_model_fingerprint: z.string().optional(),
});

/** A parsed `adapter_config.json`. */
export type AdapterConfigFile = z.output<typeof adapterConfigSchema>;

/** Reads and validates `adapter_config.json` in `dir`; errors name the file and the bad fields. */
export function readAdapterConfig(dir: string): AdapterConfigFile {
  const path = `${dir}/${ADAPTER_FILES.config}`;
  if (!existsSync(path)) throw new Error(`loadAdapters: ${path} does not exist (an adapter folder holds ${ADAPTER_FILES.config} and ${ADAPTER_FILES.weights})`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`loadAdapters: ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = adapterConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`loadAdapters: invalid ${path}:\n${problems}`);
  }
  return parsed.data;
}
