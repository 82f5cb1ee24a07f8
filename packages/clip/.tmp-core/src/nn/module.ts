import * as tf from '@tensorflow/tfjs-core';

const noDecay = new WeakSet<tf.Variable>();

/** Marks a parameter as excluded from weight decay (biases, norms, embeddings, scalars). */
export function markNoDecay(v: tf.Variable): tf.Variable {
  noDecay.add(v);
  return v;
}

/** True when {@link markNoDecay} was called on the variable. */
export function isNoDecay(v: tf.Variable): boolean {
  return noDecay.has(v);
}

/** Options for {@link Module.registerParameter}. */
export interface ParameterOptions {
  /** Exclude from AdamW's decoupled weight decay. Default false. */
  noDecay?: boolean;
  /** Start frozen (not trainable). Default false. */
  frozen?: boolean;
}

/** Options for {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Throw on missing or unexpected keys (shapes are always checked). Default true. */
  strict?: boolean;
}

/** Result of a non-strict {@link Module.loadStateDict}. */
export interface LoadStateDictResult {
  missing: string[];
  unexpected: string[];
}

/**
 * Base class of every layer and model, in the spirit of `torch.nn.Module`.
 *
 * A module owns named parameters (tfjs `Variable`s) and named child modules; full parameter names
 * are dotted paths such as `vision.blocks.0.attn.qkv.weight`. Subclasses register parameters and
 * children in their constructor and define their own `forward(...)` with whatever signature fits.
 *
 * - `train()` / `eval()` switch dropout and other mode-dependent behaviour, recursively.
 * - `freeze()` / `unfreeze()` toggle `Variable.trainable`, which the optimiser respects.
 * - `replaceModule(path, m)` swaps a child anywhere in the tree (how adapters are injected).
 * - `stateDict()` / `loadStateDict()` expose and restore every parameter by name, shape-checked.
 *
 * Modules own their variables: call `dispose()` when a model is no longer needed.
 */
export class Module {
  /** True in training mode (dropout active). */
  training = true;
  private readonly ownParams = new Map<string, tf.Variable>();
  private readonly ownChildren = new Map<string, Module>();

  /** Registers a parameter initialised from `init` (which the module then owns). */
  protected registerParameter(name: string, init: tf.Tensor, options: ParameterOptions = {}): tf.Variable {
    if (name.includes('.')) throw new Error(`Parameter name "${name}" must not contain "."`);
    if (this.ownParams.has(name) || this.ownChildren.has(name)) throw new Error(`"${name}" is already registered`);
    const v = tf.variable(init, !options.frozen);
    init.dispose();
    if (options.noDecay) markNoDecay(v);
    this.ownParams.set(name, v);
    return v;
  }

  /** Registers a child module under `name` and returns it. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    if (name.includes('.')) throw new Error(`Module name "${name}" must not contain "."`);
    if (this.ownParams.has(name) || this.ownChildren.has(name)) throw new Error(`"${name}" is already registered`);
    this.ownChildren.set(name, module);
    return module;
  }

  /** Direct children, in registration order. */
  children(): [string, Module][] {
    return [...this.ownChildren.entries()];
  }

  /** Every module in the tree (this one first, as ''), with dotted paths. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.ownChildren) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Every parameter in the tree with its dotted name. */
  namedParameters(prefix = ''): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [name, v] of this.ownParams) out.push([prefix ? `${prefix}.${name}` : name, v]);
    for (const [name, child] of this.ownChildren) out.push(...child.namedParameters(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Every parameter in the tree. */
  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /** Parameters with `trainable` set (what the optimiser updates). */
  trainableParameters(): tf.Variable[] {
    return this.parameters().filter((v) => v.trainable);
  }

  /** Total number of scalar parameters (all, or only trainable ones). */
  parameterCount(onlyTrainable = false): number {
    return (onlyTrainable ? this.trainableParameters() : this.parameters()).reduce((n, v) => n + v.size, 0);
  }

  /** The module at a dotted path ('' is this module). Throws naming the missing segment. */
  getModule(path: string): Module {
    if (path === '') return this;
    let m: Module = this;
    for (const part of path.split('.')) {
      const next = m.ownChildren.get(part);
      if (!next) throw new Error(`No submodule "${part}" in path "${path}"; children here: ${[...m.ownChildren.keys()].join(', ') || '(none)'}`);
      m = next;
    }
    return m;
  }

  /** Replaces the module at a dotted path (not ''), returning the old one (not disposed). */
  replaceModule(path: string, module: Module): Module {
    const idx = path.lastIndexOf('.');
    const parent = idx < 0 ? this : this.getModule(path.slice(0, idx));
    const name = idx < 0 ? path : path.slice(idx + 1);
    const old = parent.ownChildren.get(name);
    if (!old) throw new Error(`Cannot replace "${path}": no such submodule`);
    parent.ownChildren.set(name, module);
    parent.onChildReplaced(name, module);
    return old;
  }

  /**
   * Called after {@link replaceModule} swapped a direct child. Subclasses that keep typed fields
   * pointing at children override it to refresh them.
   */
  protected onChildReplaced(_name: string, _module: Module): void {}

  /** Sets training mode recursively. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode recursively. */
  eval(): this {
    return this.train(false);
  }

  /** Makes every parameter in the tree non-trainable. */
  freeze(): this {
    for (const v of this.parameters()) v.trainable = false;
    return this;
  }

  /** Makes every parameter in the tree trainable. */
  unfreeze(): this {
    for (const v of this.parameters()) v.trainable = true;
    return this;
  }

  /** The parameters by dotted name (the live variables, not copies). */
  stateDict(): Record<string, tf.Variable> {
    return Object.fromEntries(this.namedParameters());
  }

  /**
   * Assigns values by dotted name. Shapes must match exactly; with `strict` (default) missing and
   * unexpected keys are errors too. The given tensors are not disposed.
   */
  loadStateDict(dict: Record<string, tf.Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in dict));
    const unexpected = Object.keys(dict).filter((k) => !(k in own));
    if (strict && (missing.length || unexpected.length)) {
      throw new Error(
        `loadStateDict: ${missing.length ? `missing keys [${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}]` : ''}` +
          `${missing.length && unexpected.length ? '; ' : ''}` +
          `${unexpected.length ? `unexpected keys [${unexpected.slice(0, 10).join(', ')}${unexpected.length > 10 ? ', ...' : ''}]` : ''}` +
          ' (pass { strict: false } to load a subset)',
      );
    }
    for (const [k, v] of Object.entries(own)) {
      const t = dict[k];
      if (!t) continue;
      if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
        throw new Error(`loadStateDict: "${k}" has shape [${t.shape}] but the model expects [${v.shape}]`);
      }
      if (t.dtype === v.dtype) v.assign(t);
      else {
        const cast = tf.cast(t, v.dtype);
        v.assign(cast);
        cast.dispose();
      }
    }
    return { missing, unexpected };
  }

  /** Disposes every parameter in the tree. */
  dispose(): void {
    for (const v of this.parameters()) v.dispose();
  }
}
