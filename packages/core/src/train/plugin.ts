import type * as tf from '@tensorflow/tfjs-core';
import type { BackendInfo } from '../backend/init-backend.js';
import type { Module } from '../nn/module.js';
import type { Dataset, Sample, Tokenizer } from '../data/types.js';

/** The plugin contract version this core implements. */
export const SPECIFICATION_VERSION = 'v1' as const;
/** Contract versions this core accepts. */
export const SUPPORTED_SPECIFICATION_VERSIONS: readonly string[] = ['v1'];

/**
 * What a model can do; plugins list what they need in `requires` and the trainer refuses to start
 * when the model lacks it.
 * - `vlm`: a `VisionLanguageModel` (image prefix + causal LM, image-less forward, visual mask).
 * - `dual-encoder`: a `DualEncoder` (separate image and text towers with projections).
 * - `lm`: a text-only causal LM (also satisfied by `vlm`).
 * - `vision`: any model with a vision tower (`vlm` or `dual-encoder`).
 */
export type ModelCapability = 'vlm' | 'dual-encoder' | 'lm' | 'vision';

/** Metric values a plugin reports: numbers, or scalar tensors the trainer reads and disposes. */
export type MetricValues = Record<string, number | tf.Tensor>;

/** What {@link PluginSpec.loss} returns. */
export interface LossOutput {
  /** Scalar loss; the trainer multiplies it by the plugin's weight and sums across plugins. */
  loss: tf.Scalar;
  /** Extra metrics, logged as `<plugin>/<key>`. `loss` is logged automatically. */
  metrics?: MetricValues;
}

/**
 * Services the trainer offers to a plugin. One context per plugin; it is stable across steps
 * (read `step` for the current one).
 */
export interface PluginContext {
  /** The plugin's name (metric namespace). */
  readonly name: string;
  /** The model being trained (a `VisionLanguageModel`, `DualEncoder` or `CausalLM`). */
  readonly model: Module;
  /** Capabilities of `model`. */
  readonly capabilities: readonly ModelCapability[];
  /** The text tokenizer the model uses. */
  readonly tokenizer: Tokenizer;
  /** Optimiser steps completed so far. */
  readonly step: number;
  /** Total optimiser steps planned for this run. */
  readonly totalSteps: number;
  /** The run folder (checkpoints, caches), when the run has one. */
  readonly runDir?: string;
  /** The tensor backend in use. */
  readonly backend: BackendInfo;
  /**
   * Registers a plugin-owned module (a head, a second tower, a frozen reference copy). Its
   * parameters are checkpointed as `plugins.<plugin>.<name>.*` and trained unless frozen.
   */
  registerModule<M extends Module>(name: string, module: M): M;
  /** A module registered earlier by this plugin (survives resume: registered in `setup`). */
  getModule<M extends Module>(name: string): M;
  /** Seeded uniform [0, 1) stream private to this plugin; restored exactly on resume. */
  random(): number;
  /** Names of all plugins in this run (to adapt to companions, e.g. seva + plora). */
  readonly pluginNames: readonly string[];
  /** Writes a line to the run log (and stderr when not on a TTY progress bar). */
  log(message: string): void;
  /**
   * Writes a warning to the run log: something the user should act on (a diverging or collapsing
   * run, a setting that cannot work). Unlike `log`, it is printed even when info lines are quiet.
   */
  warn(message: string): void;
}

/** Context given to eval hooks. */
export interface EvalContext extends PluginContext {
  /** The evaluation dataset configured for this plugin (held-out split). */
  readonly evalData: Dataset;
}

/** A named evaluation hook. Its metrics are logged as `<plugin>/<key>`. */
export interface EvalHook {
  name: string;
  /** Runs with the model in eval mode; must dispose every tensor it makes. */
  run(ctx: EvalContext): Promise<Record<string, number>>;
}

/** A sample-level transform applied before batching (augmentation, prompt building). */
export type SampleTransform = (sample: Sample, ctx: PluginContext) => Sample | Promise<Sample>;

/**
 * Gradients computed by a plugin that needs more than one tape per step (e.g. open_clip-style
 * feature caching across micro-batches). Keys are variables, values gradient tensors the trainer
 * takes ownership of.
 */
export interface CustomGradients {
  loss: number;
  grads: Map<tf.Variable, tf.Tensor>;
  metrics?: Record<string, number>;
}

/**
 * A plugin definition. Make one with {@link definePlugin}; export a factory `(options) => plugin`.
 *
 * Per step the trainer, for each plugin: draws `batchSize` samples from the plugin's data stream,
 * applies `transforms`, awaits `prepare` (outside the gradient tape: generation, no-grad forwards,
 * cached reference log-probs), then calls `loss` inside one tape shared by all plugins; the total is
 * `sum(weight_i * loss_i)`. Tensors returned by `prepare` are disposed by the trainer after the step.
 *
 * @typeParam P the value `prepare` resolves to (undefined when there is no `prepare`).
 */
export interface PluginSpec<P = undefined> {
  /** Unique name; also the metric namespace. */
  name: string;
  /** The core contract version the plugin implements; core refuses ones it does not support. */
  specificationVersion: typeof SPECIFICATION_VERSION;
  /** Model capabilities needed. */
  requires?: ModelCapability[];
  /** Called once before training (and before resume loads weights): add heads, adapters, copies. */
  setup?(ctx: PluginContext): void | Promise<void>;
  /** Sample transforms, applied in order. */
  transforms?: SampleTransform[];
  /** Async work before the tape; its result is passed to `loss`. */
  prepare?(samples: Sample[], ctx: PluginContext): Promise<P>;
  /** The differentiable loss; runs synchronously inside the gradient tape. */
  loss?(samples: Sample[], ctx: PluginContext, prepared: P): LossOutput;
  /** Alternative to `loss` for plugins that compute their own gradients (see {@link CustomGradients}). */
  computeGradients?(samples: Sample[], ctx: PluginContext, prepared: P): CustomGradients;
  /** After each optimiser step (e.g. clamp a logit scale). */
  afterStep?(ctx: PluginContext): void;
  /** Evaluation hooks. */
  evaluate?: EvalHook[];
  /** Extra state to checkpoint (JSON-serialisable), restored by `loadState`. */
  saveState?(): unknown;
  loadState?(state: unknown): void;
  /** Frees plugin-held resources at the end of a run. */
  dispose?(): void;
}

/** A validated plugin (what {@link definePlugin} returns). */
export type Plugin<P = any> = Readonly<PluginSpec<P>> & { readonly __vlalignPlugin: true };

/**
 * Validates and freezes a plugin spec.
 *
 * @example
 * export const myLoss = (opts: { scale?: number } = {}) => definePlugin({
 *   name: 'my-loss',
 *   specificationVersion: 'v1',
 *   requires: ['vlm'],
 *   loss(samples, ctx) { ... return { loss }; },
 * });
 */
export function definePlugin<P = undefined>(spec: PluginSpec<P>): Plugin<P> {
  if (!spec || typeof spec !== 'object') throw new TypeError('definePlugin: expected a plugin spec object');
  if (typeof spec.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(spec.name)) {
    throw new TypeError(`definePlugin: name must be a lowercase identifier (a-z, 0-9, -); got ${JSON.stringify(spec.name)}`);
  }
  if (!SUPPORTED_SPECIFICATION_VERSIONS.includes(spec.specificationVersion)) {
    throw new TypeError(
      `Plugin "${spec.name}" implements specification ${JSON.stringify(spec.specificationVersion)}, but this @vlalign/core supports ${SUPPORTED_SPECIFICATION_VERSIONS.join(', ')}. Install versions of the plugin and @vlalign/core that match.`,
    );
  }
  if (!spec.loss && !spec.computeGradients && !spec.evaluate?.length) {
    throw new TypeError(`Plugin "${spec.name}" defines neither loss, computeGradients nor evaluate hooks`);
  }
  if (spec.loss && spec.computeGradients) {
    throw new TypeError(`Plugin "${spec.name}" defines both loss and computeGradients; pick one`);
  }
  return Object.freeze({ ...spec, __vlalignPlugin: true as const });
}
