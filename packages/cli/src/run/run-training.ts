import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Trainer, findLatestCheckpoint, initBackend, writeJson, type FitResult, type PluginEntry, type TrainerLogRecord, type Module, type Tokenizer, type Dataset } from '@vlalign/core';
import { loadPlugin } from '../config/resolve-plugin.js';
import type { VlalignConfig } from '../config/schema.js';
import { buildDataset } from './build-data.js';
import { buildModel } from './build-model.js';
import { buildTokenizer } from './build-tokenizer.js';
import { enableNativeKernels, recordNative } from './native-kernels.js';

/** Imports every plugin a config names and builds its per-plugin data streams. */
export async function buildPluginEntries(config: VlalignConfig, configDir: string, projectDir: string): Promise<PluginEntry[]> {
  const plugins: PluginEntry[] = [];
  for (const entry of config.plugins) {
    plugins.push({
      plugin: await loadPlugin(entry.use, entry.options, projectDir),
      weight: entry.weight,
      batchSize: entry.batchSize,
      data: entry.data ? await buildDataset(entry.data, configDir) : undefined,
      evalData: entry.evalData ? await buildDataset(entry.evalData, configDir) : undefined,
    });
  }
  return plugins;
}

/** Options of {@link runTraining}. */
export interface RunTrainingOptions {
  /** Folder relative paths in the config resolve against (default: the current directory). */
  configDir?: string;
  /** Where plugin packages are resolved from (default: the current directory). */
  projectDir?: string;
  /** Override `output.dir`. */
  runDir?: string;
  /** Override `train.steps`. */
  steps?: number;
  onLog?: (record: TrainerLogRecord) => void;
  signal?: AbortSignal;
  /** Run only the eval hooks (no training steps) on the model loaded from the run folder. */
  evalOnly?: boolean;
}

/** What a run built, for callers that want to inspect the model afterwards. */
export interface TrainingRun {
  result: FitResult;
  model: Module;
  tokenizer: Tokenizer;
  runDir: string;
  evalData?: Dataset;
}

/**
 * Runs a config end to end: backend, tokenizer, model, data, plugins, trainer. The config is saved
 * as `config.json` in the run folder so `vlalign eval` and `vlalign report` can rebuild the run.
 */
export async function runTraining(config: VlalignConfig, options: RunTrainingOptions = {}): Promise<TrainingRun> {
  const configDir = options.configDir ?? process.cwd();
  const projectDir = options.projectDir ?? process.cwd();
  const backend = await initBackend(config.backend);
  const native = await enableNativeKernels();
  const tokenizer = await buildTokenizer(config.tokenizer, configDir);
  const model = buildModel(config.model, config.seed, tokenizer.vocabSize, configDir);
  const data = await buildDataset(config.data.train, configDir);
  const evalData = config.data.eval ? await buildDataset(config.data.eval, configDir) : undefined;
  const plugins = await buildPluginEntries(config, configDir, projectDir);
  const runDir = resolve(configDir, options.runDir ?? config.output.dir);
  mkdirSync(runDir, { recursive: true });
  writeJson(resolve(runDir, 'config.json'), { config, configDir, backend: { name: backend.name, version: backend.version, simd: backend.simd, threads: backend.threads, native: recordNative(native) } });
  const t = config.train;
  const trainer = new Trainer({
    model,
    tokenizer,
    plugins,
    data,
    evalData,
    batchSize: t.batchSize,
    steps: options.steps ?? t.steps,
    seed: config.seed,
    optimizer: {
      lr: t.lr,
      weightDecay: t.weightDecay,
      warmupSteps: t.warmupSteps,
      minLrRatio: t.minLrRatio,
      clipNorm: t.clipNorm,
      accumulate: t.accumulate,
    },
    runDir,
    logEvery: t.logEvery,
    evalEvery: t.evalEvery,
    checkpointEvery: t.checkpointEvery,
    keepCheckpoints: t.keepCheckpoints,
    resume: options.evalOnly ? false : config.output.resume,
    onLog: options.onLog,
    signal: options.signal,
  });
  let result: FitResult;
  try {
    result = options.evalOnly ? await evaluateOnly(trainer, runDir, config.model.init) : await trainer.fit();
  } finally {
    // Frees optimiser state and plugin modules (they live on in the checkpoint); the model is returned.
    trainer.dispose();
  }
  return { result, model, tokenizer, runDir, evalData };
}

/**
 * Eval hooks on the run's latest checkpoint. A run that has none yet is evaluated on its starting
 * weights when the config names `model.init` (the model was built from them), so the baseline a
 * fine-tuning run starts from can be measured with the same hooks before training.
 */
async function evaluateOnly(trainer: Trainer, runDir: string, init: string | undefined): Promise<FitResult> {
  const checkpoint = findLatestCheckpoint(runDir);
  if (checkpoint) await trainer.restore(checkpoint);
  else if (init === undefined) {
    throw new Error(`vlalign eval: ${runDir} has no checkpoint; train first (vlalign train <config>), or set model.init to evaluate starting weights`);
  } else process.stderr.write(`vlalign eval: ${runDir} has no checkpoint yet; evaluating the model.init weights (${init})\n`);
  const evalMetrics = await trainer.evaluate();
  return { step: trainer.step, interrupted: false, metrics: {}, evalMetrics, resumedFrom: trainer.step };
}

