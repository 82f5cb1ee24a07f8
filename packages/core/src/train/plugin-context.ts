import type { BackendInfo } from '../backend/init-backend.js';
import { SeededRandom, type SeededRandomState } from '../data/seeded-random.js';
import type { Dataset, Tokenizer } from '../data/types.js';
import { Module } from '../nn/module.js';
import { deriveSeed } from '../nn/seed.js';
import type { Logger } from './logger.js';
import type { EvalContext, ModelCapability, PluginContext } from './plugin.js';

/** What the trainer shares with every plugin context. */
export interface TrainerView {
  readonly model: Module;
  readonly capabilities: readonly ModelCapability[];
  readonly tokenizer: Tokenizer;
  readonly step: number;
  readonly totalSteps: number;
  readonly runDir?: string;
  readonly backend: BackendInfo;
  readonly pluginNames: readonly string[];
  readonly logger: Logger;
  readonly seed: number;
}

/** The trainer's implementation of {@link PluginContext} (one per plugin). */
export class TrainerPluginContext implements PluginContext {
  /** Modules the plugin registered, by name, in registration order. */
  readonly modules = new Map<string, Module>();
  private readonly rng: SeededRandom;

  constructor(
    readonly name: string,
    private readonly trainer: TrainerView,
  ) {
    this.rng = new SeededRandom(deriveSeed(trainer.seed, 'plugin', name));
  }

  get model(): Module {
    return this.trainer.model;
  }
  get capabilities(): readonly ModelCapability[] {
    return this.trainer.capabilities;
  }
  get tokenizer(): Tokenizer {
    return this.trainer.tokenizer;
  }
  get step(): number {
    return this.trainer.step;
  }
  get totalSteps(): number {
    return this.trainer.totalSteps;
  }
  get runDir(): string | undefined {
    return this.trainer.runDir;
  }
  get backend(): BackendInfo {
    return this.trainer.backend;
  }
  get pluginNames(): readonly string[] {
    return this.trainer.pluginNames;
  }

  registerModule<M extends Module>(name: string, module: M): M {
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]+$/.test(name)) {
      throw new Error(`Plugin "${this.name}": module name must match [A-Za-z0-9_-]+ (it becomes part of checkpoint keys), got ${JSON.stringify(name)}`);
    }
    if (!(module instanceof Module)) throw new TypeError(`Plugin "${this.name}": registerModule("${name}") expects a Module`);
    if (this.modules.has(name)) throw new Error(`Plugin "${this.name}" registered a module named "${name}" twice`);
    this.modules.set(name, module);
    return module;
  }

  getModule<M extends Module>(name: string): M {
    const m = this.modules.get(name);
    if (!m) throw new Error(`Plugin "${this.name}" has no module named "${name}"; registered: ${[...this.modules.keys()].join(', ') || '(none)'} (register it in setup)`);
    return m as M;
  }

  random(): number {
    return this.rng.next();
  }

  /** The private random stream's state (checkpointed). */
  getRandomState(): SeededRandomState {
    return this.rng.getState();
  }

  setRandomState(state: SeededRandomState): void {
    this.rng.setState(state);
  }

  log(message: string): void {
    this.trainer.logger.info(`${this.name}: ${message}`);
  }

  warn(message: string): void {
    this.trainer.logger.warn(`${this.name}: ${message}`);
  }

  /** A view of this context with the evaluation dataset attached. */
  withEvalData(evalData: Dataset): EvalContext {
    return Object.create(this, { evalData: { value: evalData, enumerable: true } }) as EvalContext;
  }
}
