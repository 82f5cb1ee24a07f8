import { Module } from './module.js';

/**
 * An ordered list of child modules named `0`, `1`, ... (like `torch.nn.ModuleList`), so parameter
 * names read `blocks.0.attn.q_proj.weight`. Items are looked up on each access, so a module swapped
 * in with `replaceModule('blocks.1', m)` is used from then on.
 */
export class ModuleList<M extends Module = Module> extends Module {
  private count = 0;

  constructor(items: M[] = []) {
    super();
    for (const m of items) this.push(m);
  }

  /** Appends a module as the next index. */
  push(module: M): M {
    return this.registerModule(String(this.count++), module);
  }

  /** Number of items. */
  get length(): number {
    return this.count;
  }

  /** The item at `index`. */
  at(index: number): M {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) throw new Error(`ModuleList.at: index ${index} out of range [0, ${this.count})`);
    return this.getModule(String(index)) as M;
  }

  *[Symbol.iterator](): Iterator<M> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }
}
