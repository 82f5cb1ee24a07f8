import { z } from 'zod';

/** A data source: the built-in shapes world, or files on disk. */
export const dataSourceSchema = z.union([
  z.strictObject({
    shapesWorld: z.strictObject({
      size: z.number().int().positive(),
      seed: z.number().int().default(0),
      split: z.enum(['train', 'val', 'test']).default('train'),
      imageSize: z.number().int().positive().default(64),
      maxObjects: z.number().int().positive().default(4),
      minObjects: z.number().int().positive().default(1),
    }),
  }),
  z.strictObject({
    jsonl: z.string().min(1),
    imageRoot: z.string().optional(),
    imageSize: z.number().int().positive().default(64),
    onError: z.enum(['throw', 'skip']).default('throw'),
  }),
  z.strictObject({
    coco: z.string().min(1),
    imageRoot: z.string().min(1),
    imageSize: z.number().int().positive().default(64),
  }),
  z.strictObject({
    preferencePairs: z.string().min(1),
    imageRoot: z.string().optional(),
    imageSize: z.number().int().positive().default(64),
    layout: z.enum(['auto', 'trl', 'seva']).default('auto'),
  }),
  z.strictObject({
    textCorpus: z.strictObject({ size: z.number().int().positive(), seed: z.number().int().default(0) }),
  }),
]);
export type DataSourceConfig = z.infer<typeof dataSourceSchema>;

export const pluginEntrySchema = z.strictObject({
  /**
   * Which plugin: a short name ('clip' -> @vlalign/clip, export `clip`; 'captioning' -> @vlalign/core),
   * a package ('@vlalign/clip'), or 'package#export' / './local-file.js#export'.
   */
  use: z.string().min(1),
  options: z.record(z.string(), z.unknown()).default({}),
  weight: z.number().nonnegative().default(1),
  batchSize: z.number().int().positive().optional(),
  data: dataSourceSchema.optional(),
  evalData: dataSourceSchema.optional(),
});
export type PluginEntryConfig = z.infer<typeof pluginEntrySchema>;

export const configSchema = z.strictObject({
  name: z.string().default('run'),
  seed: z.number().int().default(0),
  backend: z.enum(['tensorflow', 'wasm', 'cpu']).optional(),
  model: z.strictObject({
    kind: z.enum(['vlm', 'dual-encoder', 'lm']),
    preset: z.string().default('tiny'),
    overrides: z.record(z.string(), z.unknown()).default({}),
    /** Weights to start from: a run folder (latest checkpoint) or a model.safetensors file. */
    init: z.string().optional(),
    /**
     * How fresh Linear weights are drawn: `'default'` (truncated normal, std 0.02) or `'fan-in'`
     * (PyTorch's nn.Linear default, uniform ±1/√fan-in; core's `applyFanInInit`).
     */
    weightInit: z.enum(['default', 'fan-in']).default('default'),
  }),
  tokenizer: z
    .union([z.literal('shapes'), z.strictObject({ huggingface: z.string() }), z.strictObject({ word: z.string() })])
    .default('shapes'),
  data: z.strictObject({ train: dataSourceSchema, eval: dataSourceSchema.optional() }),
  plugins: z.array(pluginEntrySchema).min(1),
  train: z.strictObject({
    steps: z.number().int().positive(),
    batchSize: z.number().int().positive().default(32),
    lr: z.number().positive().default(1e-3),
    weightDecay: z.number().nonnegative().default(0.01),
    warmupSteps: z.number().int().nonnegative().default(0),
    minLrRatio: z.number().min(0).max(1).default(0.1),
    clipNorm: z.number().positive().optional(),
    accumulate: z.number().int().positive().default(1),
    logEvery: z.number().int().positive().default(10),
    evalEvery: z.number().int().positive().optional(),
    checkpointEvery: z.number().int().positive().optional(),
    keepCheckpoints: z.number().int().positive().default(3),
  }),
  output: z.strictObject({ dir: z.string().default('runs/run'), resume: z.union([z.boolean(), z.literal('auto')]).default('auto') }).default({ dir: 'runs/run', resume: 'auto' }),
});
export type VlalignConfig = z.infer<typeof configSchema>;
export type VlalignConfigInput = z.input<typeof configSchema>;
