import {
  AdamW,
  createRng,
  tf,
  type BackendInfo,
  type Dataset,
  type EvalContext,
  type Module,
  type ModelCapability,
  type Plugin,
  type PluginContext,
  type Sample,
  type Tokenizer,
} from '@vlalign/core';

/**
 * A minimal stand-in for the trainer's plugin context, so the plugin's own behaviour is tested
 * without the trainer: registered modules in a map, a seeded random stream, capabilities read
 * from the model.
 */
export class TestContext implements PluginContext {
  readonly name = 'clip';
  readonly modules = new Map<string, Module>();
  readonly logs: string[] = [];
  step = 0;
  readonly totalSteps = 100;
  readonly pluginNames = ['clip'];
  readonly capabilities: readonly ModelCapability[];
  private readonly rng: () => number;

  constructor(
    readonly model: Module,
    readonly tokenizer: Tokenizer,
    readonly backend: BackendInfo,
    seed = 0,
  ) {
    this.capabilities = (model as unknown as { capabilities: ModelCapability[] }).capabilities;
    this.rng = createRng(seed);
  }

  registerModule<M extends Module>(name: string, module: M): M {
    if (this.modules.has(name)) throw new Error(`module "${name}" registered twice`);
    this.modules.set(name, module);
    return module;
  }
  getModule<M extends Module>(name: string): M {
    const m = this.modules.get(name);
    if (!m) throw new Error(`no module "${name}"`);
    return m as M;
  }
  random(): number {
    return this.rng();
  }
  log(message: string): void {
    this.logs.push(message);
  }
  warn(message: string): void {
    this.logs.push(`warning: ${message}`);
  }
  withEvalData(evalData: Dataset): EvalContext {
    return Object.assign(Object.create(this), { evalData }) as EvalContext;
  }
  /** Trainable variables of the model and of every registered module. */
  trainableVariables(): tf.Variable[] {
    return [...new Set([this.model, ...this.modules.values()].flatMap((m) => m.trainableParameters()))];
  }
  dispose(): void {
    for (const m of this.modules.values()) m.dispose();
  }
}

/** The gradients one step of `plugin` produces (the caller disposes them), as the trainer computes them. */
export async function stepGradients(plugin: Plugin, ctx: TestContext, samples: Sample[]): Promise<{ loss: number; grads: Map<tf.Variable, tf.Tensor> }> {
  const prepared = await plugin.prepare!(samples, ctx);
  try {
    if (plugin.computeGradients) return plugin.computeGradients(samples, ctx, prepared);
    const vars = ctx.trainableVariables();
    const { value, grads } = tf.variableGrads(() => plugin.loss!(samples, ctx, prepared).loss, vars);
    const loss = value.dataSync()[0];
    value.dispose();
    return { loss, grads: new Map(vars.filter((v) => grads[v.name]).map((v) => [v, grads[v.name]])) };
  } finally {
    tf.dispose(Object.values(prepared as Record<string, unknown>).filter((x): x is tf.Tensor => x instanceof tf.Tensor));
  }
}

/** Runs `steps` optimiser steps over `batches` (cycled); returns the loss of each step. */
export async function train(plugin: Plugin, ctx: TestContext, batches: Sample[][], steps: number, lr: number, onStep?: (step: number) => void): Promise<number[]> {
  const opt = new AdamW({ weightDecay: 0 });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { loss, grads } = await stepGradients(plugin, ctx, batches[s % batches.length]);
    opt.step(grads, lr);
    tf.dispose([...grads.values()]);
    plugin.afterStep?.(ctx);
    ctx.step++;
    losses.push(loss);
    onStep?.(s);
  }
  opt.dispose();
  return losses;
}
