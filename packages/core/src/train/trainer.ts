import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { currentBackend, type BackendInfo } from '../backend/init-backend.js';
import { deriveSeed } from '../nn/seed.js';
import type { Dataset, Sample } from '../data/types.js';
import type { Module } from '../nn/module.js';
import { findLatestCheckpoint, loadCheckpoint, saveCheckpoint } from '../io/checkpoint.js';
import { MetricsWriter, truncateMetricsAfter } from '../io/metrics-log.js';
import { AdamW } from '../optim/adamw.js';
import { clipByGlobalNorm, globalNorm } from '../optim/clip-grad-norm.js';
import { constantWithWarmup, cosineWithWarmup, type LrSchedule } from '../optim/schedules.js';
import { expandCapabilities, modelCapabilities } from './capabilities.js';
import { DataStream } from './data-stream.js';
import { disposeTensorsIn } from './dispose-tensors.js';
import { createLogger, type Logger } from './logger.js';
import { runMicroStep, type MicroStepPart } from './micro-step.js';
import { getModuleRngState, setModuleRngState } from './module-rng-state.js';
import type { ModelCapability, Plugin } from './plugin.js';
import { TrainerPluginContext, type TrainerView } from './plugin-context.js';
import { PluginRegistry } from './plugin-registry.js';
import { ProgressLine } from './progress.js';
import { nameParameters, pluginModulePrefix, type TrainerCheckpointState } from './trainer-state.js';
import { validateTrainerOptions, type FitResult, type PluginEntry, type TrainerLogRecord, type TrainerOptions } from './trainer-options.js';

interface ActivePlugin {
  name: string;
  plugin: Plugin;
  weight: number;
  batchSize: number;
  ctx: TrainerPluginContext;
  /** Present for plugins that train (loss or computeGradients). */
  stream?: DataStream;
  evalData?: Dataset;
}

/** Running sums of metrics between two log records. */
class MetricWindow {
  private sums = new Map<string, number>();
  private counts = new Map<string, number>();
  add(key: string, value: number): void {
    this.sums.set(key, (this.sums.get(key) ?? 0) + value);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  flush(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, s] of this.sums) out[k] = s / this.counts.get(k)!;
    this.sums.clear();
    this.counts.clear();
    return out;
  }
  get size(): number {
    return this.sums.size;
  }
}

/**
 * Trains a model with a mix of plugins.
 *
 * Per optimiser step, for each of `accumulate` micro-steps and each training plugin: draw
 * `batchSize` samples from the plugin's own data stream, apply its transforms, await `prepare`;
 * then ONE gradient tape over every trainable variable (model and plugin modules) of
 * `sum(weight_i * loss_i)`, plus the weighted gradients of `computeGradients` plugins. Micro-step
 * gradients are averaged, clipped to a global norm, and applied by AdamW at the scheduled lr;
 * then `afterStep` hooks run. Metrics (`loss`, `lr`, `grad_norm`, `step_time_ms`,
 * `<plugin>/loss`, `<plugin>/<metric>`) are read back once per step, averaged over `logEvery`
 * steps and appended to `runDir/metrics.jsonl`.
 *
 * Checkpoints (every `checkpointEvery` steps, at the end, and on Ctrl-C / abort) hold the weights,
 * AdamW state, step, every data stream's position, every plugin's random stream and `saveState`,
 * and module RNG positions, so N steps + resume + N steps reproduce 2N straight steps exactly on
 * the same backend.
 *
 * @example
 * const trainer = new Trainer({
 *   model: createModel('vlm', 'tiny', { seed: 0 }),
 *   tokenizer: shapesTokenizer(),
 *   plugins: [captioning({ maxLength: 24 }), { plugin: languageModeling(), weight: 0.1, data: corpus }],
 *   data: createShapesWorld({ seed: 0, size: 2000, split: 'train' }),
 *   evalData: createShapesWorld({ seed: 0, size: 200, split: 'val' }),
 *   steps: 500, batchSize: 16, optimizer: { lr: 3e-4, warmupSteps: 50 },
 *   runDir: 'runs/caption', checkpointEvery: 100, evalEvery: 100,
 * });
 * const result = await trainer.fit();
 */
export class Trainer implements TrainerView {
  readonly model: Module;
  readonly tokenizer: TrainerOptions['tokenizer'];
  readonly capabilities: readonly ModelCapability[];
  readonly totalSteps: number;
  readonly runDir?: string;
  readonly seed: number;
  readonly logger: Logger;
  readonly registry = new PluginRegistry();
  readonly optimizer: AdamW;
  readonly schedule: LrSchedule;
  /** Optimiser steps completed. */
  step = 0;
  private readonly options: TrainerOptions;
  private readonly active: ActivePlugin[] = [];
  private setupDone = false;
  private stopReason: string | undefined;
  private lastCheckpoint: { step: number; path: string } | undefined;
  private metricsWriter: MetricsWriter | undefined;

  constructor(options: TrainerOptions) {
    validateTrainerOptions(options);
    this.options = options;
    this.model = options.model;
    this.tokenizer = options.tokenizer;
    this.totalSteps = options.steps;
    this.runDir = options.runDir;
    this.seed = options.seed ?? 0;
    this.logger = options.logger ?? createLogger();
    this.capabilities = options.capabilities ? expandCapabilities(options.capabilities) : modelCapabilities(options.model);
    const opt = options.optimizer ?? {};
    this.optimizer = new AdamW({ beta1: opt.betas?.[0], beta2: opt.betas?.[1], eps: opt.eps, weightDecay: opt.weightDecay });
    const warmupSteps = opt.warmupSteps ?? 0;
    const sched = opt.schedule ?? 'cosine';
    this.schedule =
      typeof sched === 'function'
        ? sched
        : sched === 'constant'
          ? constantWithWarmup({ warmupSteps })
          : cosineWithWarmup({ warmupSteps, totalSteps: Math.max(1, options.steps), minLrRatio: opt.minLrRatio ?? 0 });
    const entries: PluginEntry[] = options.plugins.map((p) => (p && typeof p === 'object' && 'plugin' in p ? p : { plugin: p as Plugin }));
    for (const e of entries) this.registry.register(e.plugin);
    this.registry.checkRequirements(this.capabilities);
    for (const e of entries) {
      const name = e.plugin.name;
      const trains = Boolean(e.plugin.loss || e.plugin.computeGradients);
      const data = e.data ?? options.data;
      if (trains && !data) throw new Error(`Trainer: plugin "${name}" trains but has no data; pass options.data or { plugin, data }`);
      this.active.push({
        name,
        plugin: e.plugin,
        weight: e.weight ?? 1,
        batchSize: e.batchSize ?? options.batchSize ?? 8,
        ctx: new TrainerPluginContext(name, this),
        stream: trains && data ? new DataStream(data, { seed: deriveSeed(this.seed, 'data', name) }) : undefined,
        evalData: e.evalData ?? options.evalData,
      });
    }
  }

  get backend(): BackendInfo {
    const b = currentBackend();
    if (b) return b;
    return { name: tf.getBackend() as BackendInfo['name'], version: tf.version_core, threads: 1, simd: false, native: [], skipped: [] };
  }

  get pluginNames(): readonly string[] {
    return this.registry.names();
  }

  /** Runs every plugin's `setup` once (fit and evaluate call it). */
  async setup(): Promise<void> {
    if (this.setupDone) return;
    for (const a of this.active) await a.plugin.setup?.(a.ctx);
    this.setupDone = true;
  }

  private pluginModules(): Map<string, Map<string, Module>> {
    return new Map(this.active.map((a) => [a.name, a.ctx.modules]));
  }

  /** Every trainable variable of the model and the plugin modules, in a stable order. */
  trainableVariables(): tf.Variable[] {
    return [...nameParameters(this.model, this.pluginModules()).values()].filter((v) => v.trainable);
  }

  /**
   * Trains until `steps` optimiser steps are done (resuming first when configured), evaluating
   * and checkpointing on schedule. Resolves early with `interrupted: true` after Ctrl-C or
   * `signal`, once the current step is finished and checkpointed.
   */
  async fit(): Promise<FitResult> {
    await this.setup();
    const o = this.options;
    const resumedFrom = await this.maybeResume();
    if (this.runDir) this.metricsWriter = new MetricsWriter(join(this.runDir, 'metrics.jsonl'));
    const progress = new ProgressLine({ enabled: o.progress === 'auto' || o.progress === undefined ? undefined : o.progress });
    const logEvery = o.logEvery ?? 10;
    const evalEvery = o.evalEvery ?? 0;
    const checkpointEvery = o.checkpointEvery ?? 0;
    const window = new MetricWindow();
    let lastMetrics: Record<string, number> = {};
    let evalMetrics: Record<string, number> = {};
    this.stopReason = undefined;
    let sigints = 0;
    const onSigint = () => {
      sigints++;
      if (sigints > 1) {
        process.off('SIGINT', onSigint);
        process.kill(process.pid, 'SIGINT');
        return;
      }
      this.stopReason = 'SIGINT';
      progress.clear();
      this.logger.warn('SIGINT: finishing the current step, then saving a checkpoint (Ctrl-C again to quit now)');
    };
    const onAbort = () => {
      this.stopReason = 'abort signal';
    };
    if (o.handleSigint ?? true) process.on('SIGINT', onSigint);
    o.signal?.addEventListener('abort', onAbort);
    if (o.signal?.aborted) this.stopReason = 'abort signal';
    const started = performance.now();
    const startStep = this.step;
    this.model.train();
    try {
      while (this.step < this.totalSteps && !this.stopReason) {
        const values = await this.trainStep();
        for (const [k, v] of Object.entries(values)) window.add(k, v);
        const rate = (this.step - startStep) / ((performance.now() - started) / 1000);
        progress.update(this.step, this.totalSteps, { loss: values.loss, lr: values.lr }, rate);
        if (this.step % logEvery === 0 || this.step === this.totalSteps) {
          lastMetrics = window.flush();
          this.emit({ step: this.step, split: 'train', metrics: lastMetrics });
          if (!progress.enabled) this.logger.info(`step ${this.step}/${this.totalSteps} ${Object.entries(lastMetrics).map(([k, v]) => `${k}=${+v.toPrecision(4)}`).join(' ')}`);
        }
        if (evalEvery > 0 && this.step % evalEvery === 0 && this.step < this.totalSteps) {
          progress.clear();
          evalMetrics = await this.evaluate();
        }
        if (checkpointEvery > 0 && this.step % checkpointEvery === 0 && this.step < this.totalSteps) this.checkpoint();
      }
      progress.clear();
      if (window.size) {
        lastMetrics = window.flush();
        this.emit({ step: this.step, split: 'train', metrics: lastMetrics });
      }
      const interrupted = Boolean(this.stopReason);
      if (interrupted) this.logger.warn(`stopped at step ${this.step} (${this.stopReason})`);
      else if (this.hasEvalHooks()) evalMetrics = await this.evaluate();
      if (this.runDir && this.lastCheckpoint?.step !== this.step) this.checkpoint();
      return { step: this.step, interrupted, metrics: lastMetrics, evalMetrics, checkpoint: this.lastCheckpoint?.path, resumedFrom };
    } finally {
      progress.clear();
      process.off('SIGINT', onSigint);
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  private hasEvalHooks(): boolean {
    return this.active.some((a) => a.plugin.evaluate?.length);
  }

  private emit(record: TrainerLogRecord): void {
    this.metricsWriter?.write(record.step, record.split === 'train' ? record.metrics : { split: 'eval', ...record.metrics });
    this.options.onLog?.(record);
  }

  /** One optimiser step; returns the step's metrics (one readback). */
  private async trainStep(): Promise<Record<string, number>> {
    const t0 = performance.now();
    const opt = this.options.optimizer ?? {};
    const accumulate = opt.accumulate ?? 1;
    const vars = this.trainableVariables();
    if (vars.length === 0) throw new Error('Trainer: nothing to train: the model and plugin modules have no trainable variables');
    let grads = new Map<tf.Variable, tf.Tensor>();
    const toRead: [string, tf.Scalar][] = [];
    const numbers: [string, number][] = [];
    try {
      for (let micro = 0; micro < accumulate; micro++) {
        const parts: MicroStepPart[] = [];
        try {
          for (const a of this.active) {
            if (!a.stream) continue;
            let samples = await a.stream.next(a.batchSize);
            for (const tr of a.plugin.transforms ?? []) samples = await Promise.all(samples.map((s) => tr(s, a.ctx))) as Sample[];
            const prepared = a.plugin.prepare ? await a.plugin.prepare(samples, a.ctx) : undefined;
            parts.push({ name: a.name, plugin: a.plugin, weight: a.weight, ctx: a.ctx, samples, prepared });
          }
          const r = runMicroStep(parts, vars);
          for (const [k, t] of r.scalars) toRead.push([k, t]);
          for (const [k, v] of r.numbers) numbers.push([k, v]);
          for (const [v, g] of r.grads) {
            const prev = grads.get(v);
            if (prev) {
              grads.set(v, tf.add(prev, g));
              prev.dispose();
              g.dispose();
            } else grads.set(v, g);
          }
        } finally {
          for (const p of parts) disposeTensorsIn(p.prepared);
        }
      }
      if (accumulate > 1) {
        const avg = new Map([...grads].map(([v, g]) => [v, tf.div(g, accumulate)] as [tf.Variable, tf.Tensor]));
        tf.dispose([...grads.values()]);
        grads = avg;
      }
      const clipNorm = opt.clipNorm ?? 1;
      let norm: tf.Scalar;
      if (clipNorm > 0 && Number.isFinite(clipNorm)) {
        const clipped = clipByGlobalNorm(grads, clipNorm);
        tf.dispose([...grads.values()]);
        grads = clipped.grads;
        norm = clipped.norm;
      } else norm = globalNorm(grads.values());
      toRead.push(['grad_norm', norm]);
      const lr = (opt.lr ?? 1e-3) * this.schedule(this.step);
      this.optimizer.step(grads, lr);
      tf.dispose([...grads.values()]);
      grads.clear();
      for (const a of this.active) a.plugin.afterStep?.(a.ctx);
      this.step++;
      const stacked = tf.tidy(() => tf.stack(toRead.map(([, t]) => t)));
      const data = await stacked.data();
      stacked.dispose();
      const out = new MetricWindow();
      toRead.forEach(([k], i) => out.add(k, data[i]));
      const result = out.flush();
      // computeGradients plugins report numbers; fold their share into the total loss.
      const numberWindow = new MetricWindow();
      for (const [k, v] of numbers) numberWindow.add(k, v);
      for (const [k, v] of Object.entries(numberWindow.flush())) result[k] = k === 'loss' && k in result ? result[k] + v : v;
      result.lr = lr;
      result.step_time_ms = performance.now() - t0;
      if (!Number.isFinite(result.loss)) this.logger.warn(`step ${this.step}: loss is ${result.loss}`);
      return result;
    } finally {
      tf.dispose([...grads.values(), ...toRead.map(([, t]) => t)]);
    }
  }

  /**
   * Runs every plugin's eval hooks with the model (and plugin modules) in eval mode, logging
   * `<plugin>/<metric>`; plugins without eval data are skipped with a note.
   */
  async evaluate(): Promise<Record<string, number>> {
    await this.setup();
    const out: Record<string, number> = {};
    const modules = [this.model, ...this.active.flatMap((a) => [...a.ctx.modules.values()])];
    const modes = modules.map((m) => m.training);
    for (const m of modules) m.eval();
    try {
      for (const a of this.active) {
        if (!a.plugin.evaluate?.length) continue;
        if (!a.evalData) {
          this.logger.info(`${a.name}: no evalData; skipping its eval hooks`);
          continue;
        }
        const ctx = a.ctx.withEvalData(a.evalData);
        for (const hook of a.plugin.evaluate) {
          let r: Record<string, number>;
          try {
            r = await hook.run(ctx);
          } catch (err) {
            const e = err instanceof Error ? err : new Error(String(err));
            e.message = `Plugin "${a.name}" eval hook "${hook.name}" failed: ${e.message}`;
            throw e;
          }
          for (const [k, v] of Object.entries(r)) out[`${a.name}/${k}`] = v;
        }
      }
    } finally {
      modules.forEach((m, i) => m.train(modes[i]));
    }
    if (Object.keys(out).length) {
      this.emit({ step: this.step, split: 'eval', metrics: out });
      this.logger.info(`eval @ step ${this.step}: ${Object.entries(out).map(([k, v]) => `${k}=${+v.toPrecision(4)}`).join(' ')}`);
    }
    return out;
  }

  /** Saves a checkpoint of the current step into `runDir` and returns its folder. */
  checkpoint(): string {
    if (!this.runDir) throw new Error('Trainer.checkpoint: no runDir configured');
    const named = nameParameters(this.model, this.pluginModules());
    const names = new Map([...named].map(([k, v]) => [v, k] as [tf.Variable, string]));
    const optimizer = this.optimizer.getState(names);
    try {
      const state: TrainerCheckpointState = {
        version: 1,
        step: this.step,
        seed: this.seed,
        optimizerSteps: this.optimizer.stepCount,
        streams: Object.fromEntries(this.active.filter((a) => a.stream).map((a) => [a.name, a.stream!.getState()])),
        pluginRandom: Object.fromEntries(this.active.map((a) => [a.name, a.ctx.getRandomState()])),
        pluginStates: Object.fromEntries(this.active.filter((a) => a.plugin.saveState).map((a) => [a.name, a.plugin.saveState!()])),
        moduleRng: this.moduleRngState(),
      };
      const path = saveCheckpoint(this.runDir, this.step, { model: Object.fromEntries(named), optimizer, state }, { keep: this.options.keepCheckpoints ?? 3 });
      this.lastCheckpoint = { step: this.step, path };
      return path;
    } finally {
      tf.dispose(Object.values(optimizer));
    }
  }

  private moduleRngState(): Record<string, number> {
    const out = getModuleRngState(this.model);
    for (const a of this.active) for (const [name, m] of a.ctx.modules) Object.assign(out, getModuleRngState(m, pluginModulePrefix(a.name, name)));
    return out;
  }

  private async maybeResume(): Promise<number> {
    const { resume = 'auto' } = this.options;
    if (!this.runDir || resume === false) return 0;
    const dir = findLatestCheckpoint(this.runDir);
    if (!dir) {
      if (resume === true) throw new Error(`Trainer: resume: true but ${this.runDir} has no checkpoint`);
      return 0;
    }
    await this.restore(dir);
    truncateMetricsAfter(join(this.runDir, 'metrics.jsonl'), this.step);
    this.logger.info(`resumed from ${dir} at step ${this.step}`);
    return this.step;
  }

  /** Loads a checkpoint folder (weights, optimiser, data positions, RNG and plugin state). */
  async restore(dir: string): Promise<void> {
    await this.setup();
    const ck = loadCheckpoint(dir);
    try {
      const state = ck.state as TrainerCheckpointState;
      if (!state || state.version !== 1) throw new Error(`Trainer: ${dir} holds no vlalign trainer state (version 1)`);
      const named = nameParameters(this.model, this.pluginModules());
      const missing = [...named.keys()].filter((k) => !(k in ck.model));
      if (missing.length) throw new Error(`Trainer: checkpoint ${dir} lacks parameters ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', ...' : ''} (was it made with the same model and plugins?)`);
      for (const [k, v] of named) {
        const t = ck.model[k];
        if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) throw new Error(`Trainer: checkpoint ${dir}: "${k}" has shape [${t.shape}] but the model expects [${v.shape}]`);
        tf.tidy(() => v.assign(t.dtype === v.dtype ? t : tf.cast(t, v.dtype)));
      }
      const names = new Map([...named].map(([k, v]) => [v, k] as [tf.Variable, string]));
      this.optimizer.setState(ck.optimizer, names, state.optimizerSteps);
      this.step = ck.step;
      for (const a of this.active) {
        if (a.stream && state.streams[a.name]) await a.stream.setState(state.streams[a.name]);
        if (state.pluginRandom[a.name]) a.ctx.setRandomState(state.pluginRandom[a.name]);
        if (a.name in state.pluginStates) a.plugin.loadState?.(state.pluginStates[a.name]);
      }
      setModuleRngState(this.model, state.moduleRng);
      for (const a of this.active) for (const [name, m] of a.ctx.modules) setModuleRngState(m, state.moduleRng, pluginModulePrefix(a.name, name));
      this.lastCheckpoint = { step: this.step, path: dir };
    } finally {
      tf.dispose(Object.values(ck.model));
      tf.dispose(Object.values(ck.optimizer));
    }
  }

  /** Frees the optimiser state and calls every plugin's `dispose` (the model is the caller's). */
  dispose(): void {
    this.optimizer.dispose();
    for (const a of this.active) {
      a.plugin.dispose?.();
      for (const m of a.ctx.modules.values()) m.dispose();
    }
  }
}
