import type { Dataset, StreamingDataset, Tokenizer } from '../data/types.js';
import type { Module } from '../nn/module.js';
import type { LrSchedule } from '../optim/schedules.js';
import type { Logger } from './logger.js';
import type { ModelCapability, Plugin } from './plugin.js';

/** A plugin with per-plugin settings. */
export interface PluginEntry {
  plugin: Plugin;
  /** Multiplier of this plugin's loss in the total. Default 1. */
  weight?: number;
  /** This plugin's training data (default: the trainer's `data`). Each plugin reads its own stream. */
  data?: Dataset | StreamingDataset;
  /** This plugin's evaluation data (default: the trainer's `evalData`). */
  evalData?: Dataset;
  /** Samples per micro-step for this plugin (default: the trainer's `batchSize`). */
  batchSize?: number;
}

/** Optimiser settings (AdamW with a warmup schedule). */
export interface TrainerOptimizerOptions {
  /** Peak learning rate. Default 1e-3. */
  lr?: number;
  /** Decoupled weight decay (not applied to no-decay variables). Default 0.01. */
  weightDecay?: number;
  /** Adam betas. Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Adam epsilon. Default 1e-8. */
  eps?: number;
  /** Linear warmup steps. Default 0. */
  warmupSteps?: number;
  /** `'cosine'` (default) or `'constant'` after warmup, or a custom multiplier function. */
  schedule?: 'cosine' | 'constant' | LrSchedule;
  /** Final lr multiplier of the cosine. Default 0. */
  minLrRatio?: number;
  /** Clip gradients to this global L2 norm; 0 or Infinity disables clipping. Default 1. */
  clipNorm?: number;
  /** Micro-steps per optimiser step; their gradients are averaged. Default 1. */
  accumulate?: number;
}

/** Options of {@link Trainer}. */
export interface TrainerOptions {
  /** The model to train (a `VisionLanguageModel`, `DualEncoder`, `CausalLM` or any `Module`). */
  model: Module;
  /** The tokenizer the model's vocabulary comes from. */
  tokenizer: Tokenizer;
  /** Plugins to mix; their losses are summed with their weights. */
  plugins: (Plugin | PluginEntry)[];
  /** Default training data for plugins without their own. */
  data?: Dataset | StreamingDataset;
  /** Default evaluation data for plugins without their own. */
  evalData?: Dataset;
  /** Samples per plugin per micro-step. Default 8. */
  batchSize?: number;
  /** Optimiser steps to run in total (a resumed run continues up to this). */
  steps: number;
  /** Seed of every random stream the trainer controls (data order, plugin `random()`). Default 0. */
  seed?: number;
  optimizer?: TrainerOptimizerOptions;
  /** Run folder: `metrics.jsonl` and `checkpoints/`. Without it nothing is written to disk. */
  runDir?: string;
  /** Write averaged training metrics every N steps. Default 10. */
  logEvery?: number;
  /** Run eval hooks every N steps (0: only at the end). Default 0. */
  evalEvery?: number;
  /** Save a checkpoint every N steps (0: only at the end and on interrupt). Default 0. */
  checkpointEvery?: number;
  /** Checkpoints kept in the run folder. Default 3. */
  keepCheckpoints?: number;
  /**
   * `'auto'` (default) resumes from the newest checkpoint in `runDir` when there is one; `true`
   * requires one; `false` starts fresh (and overwrites checkpoints of the same steps).
   */
  resume?: 'auto' | boolean;
  /** Called with every metrics record written (training and evaluation). */
  onLog?: (record: TrainerLogRecord) => void;
  /** Stops training after the current step (a checkpoint is saved; fit resolves with `interrupted`). */
  signal?: AbortSignal;
  /** Finish the step, checkpoint and stop on Ctrl-C (a second Ctrl-C exits at once). Default true. */
  handleSigint?: boolean;
  /** The `\r` progress bar: `'auto'` (default: on a TTY), or forced on/off. */
  progress?: 'auto' | boolean;
  /** Where log lines go. Default: plain lines on stderr. */
  logger?: Logger;
  /** Override the detected model capabilities. */
  capabilities?: ModelCapability[];
}

/** One metrics record as written to `metrics.jsonl` and given to `onLog`. */
export interface TrainerLogRecord {
  step: number;
  /** `'train'`: averages since the previous record; `'eval'`: eval hook results. */
  split: 'train' | 'eval';
  metrics: Record<string, number>;
}

/** What {@link Trainer.fit} resolves to. */
export interface FitResult {
  /** Optimiser steps completed (including those before a resume). */
  step: number;
  /** True when stopped early by SIGINT or the abort signal. */
  interrupted: boolean;
  /** The last training metrics record (empty if no step ran). */
  metrics: Record<string, number>;
  /** The last evaluation results (empty if none ran). */
  evalMetrics: Record<string, number>;
  /** The last checkpoint folder written, if any. */
  checkpoint?: string;
  /** The step this run resumed from (0 for a fresh start). */
  resumedFrom: number;
}

function positiveInt(v: unknown, name: string, min = 1): void {
  if (!Number.isInteger(v) || (v as number) < min) throw new RangeError(`Trainer: ${name} must be an integer >= ${min}; got ${String(v)}`);
}

/** Validates options, naming the field at fault. */
export function validateTrainerOptions(o: TrainerOptions): void {
  if (!o || typeof o !== 'object') throw new TypeError('Trainer: expected an options object');
  if (!o.model || typeof (o.model as Module).trainableParameters !== 'function') throw new TypeError('Trainer: options.model must be a Module');
  if (!o.tokenizer || typeof o.tokenizer.encode !== 'function') throw new TypeError('Trainer: options.tokenizer must be a Tokenizer');
  if (!Array.isArray(o.plugins) || o.plugins.length === 0) throw new TypeError('Trainer: options.plugins must be a non-empty array');
  positiveInt(o.steps, 'steps', 0);
  if (o.batchSize !== undefined) positiveInt(o.batchSize, 'batchSize');
  for (const k of ['logEvery'] as const) if (o[k] !== undefined) positiveInt(o[k], k);
  for (const k of ['evalEvery', 'checkpointEvery'] as const) if (o[k] !== undefined) positiveInt(o[k], k, 0);
  if (o.keepCheckpoints !== undefined && o.keepCheckpoints !== Infinity) positiveInt(o.keepCheckpoints, 'keepCheckpoints');
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) throw new RangeError(`Trainer: seed must be a safe integer; got ${o.seed}`);
  if (o.resume !== undefined && o.resume !== 'auto' && typeof o.resume !== 'boolean') throw new TypeError(`Trainer: resume must be 'auto', true or false; got ${String(o.resume)}`);
  if (o.resume === true && !o.runDir) throw new Error('Trainer: resume: true needs a runDir to resume from');
  const opt = o.optimizer ?? {};
  if (opt.lr !== undefined && !(opt.lr >= 0)) throw new RangeError(`Trainer: optimizer.lr must be >= 0; got ${opt.lr}`);
  if (opt.accumulate !== undefined) positiveInt(opt.accumulate, 'optimizer.accumulate');
  if (opt.warmupSteps !== undefined) positiveInt(opt.warmupSteps, 'optimizer.warmupSteps', 0);
  if (opt.clipNorm !== undefined && !(opt.clipNorm >= 0)) throw new RangeError(`Trainer: optimizer.clipNorm must be >= 0 (0 disables); got ${opt.clipNorm}`);
  o.plugins.forEach((p, i) => {
    const entry = p as PluginEntry;
    if (entry && typeof entry === 'object' && 'plugin' in entry) {
      if (entry.weight !== undefined && !Number.isFinite(entry.weight)) throw new RangeError(`Trainer: plugins[${i}].weight must be a finite number; got ${entry.weight}`);
      if (entry.batchSize !== undefined) positiveInt(entry.batchSize, `plugins[${i}].batchSize`);
    }
  });
}
