import type { Module, PluginContext, VisionLanguageModel, VLMForwardInputs, tf } from '@vlalign/core';

/** Where the DPO reference log-probs come from. */
export type ReferenceMode = 'auto' | 'copy' | 'adapters';

/** Runs the frozen reference policy. */
export interface Reference {
  /** `'copy'` or `'adapters'`. */
  readonly mode: Exclude<ReferenceMode, 'auto'>;
  /** Reference logits at the text positions (eval mode, no dropout); call inside a tidy. */
  logits(inputs: VLMForwardInputs): tf.Tensor3D;
}

/** The module name the frozen copy is registered under (checkpoint keys `plugins.seva.reference.*`). */
export const REFERENCE_MODULE = 'reference';

/**
 * A frozen copy of the model as it is now (the starting policy): same class and config, weights
 * copied, every parameter non-trainable, eval mode. Registered with the trainer so it is
 * checkpointed and restored with the run.
 */
export function frozenCopy(ctx: PluginContext): VisionLanguageModel {
  const model = ctx.model as VisionLanguageModel;
  const Ctor = model.constructor as new (config: unknown) => VisionLanguageModel;
  const copy = new Ctor(model.config);
  try {
    copy.loadStateDict(model.stateDict());
  } catch (err) {
    copy.dispose();
    throw new Error(
      `seva: cannot copy the model as the DPO reference (${(err as Error).message}). If adapters were injected (plora), use reference: 'adapters' so the reference is the model with adapters disabled`,
      { cause: err },
    );
  }
  copy.freeze();
  copy.eval();
  return ctx.registerModule(REFERENCE_MODULE, copy);
}

/**
 * Sets up the reference:
 * - `'copy'`: {@link frozenCopy} (SeVa and TRL's default: a separately loaded, frozen model);
 * - `'adapters'`: the policy itself with its LoRA adapters disabled (`@vlalign/plora`'s
 *   `withAdaptersDisabled`; TRL's behaviour with PEFT), which costs no extra memory;
 * - `'auto'` (default): `'adapters'` when the run also has the `plora` plugin, else `'copy'`.
 */
export async function createReference(ctx: PluginContext, mode: ReferenceMode): Promise<Reference> {
  const resolved = mode === 'auto' ? (ctx.pluginNames.includes('plora') ? 'adapters' : 'copy') : mode;
  if (resolved === 'copy') {
    const copy = frozenCopy(ctx);
    return { mode: 'copy', logits: (inputs) => copy.forward(inputs).logits };
  }
  if (resolved !== 'adapters') throw new Error(`seva: reference must be 'auto', 'copy' or 'adapters'; got ${JSON.stringify(mode)}`);
  let plora: { withAdaptersDisabled: <T>(model: Module, fn: () => T) => T };
  try {
    // @ts-ignore -- optional peer dependency, typed by the local interface above (its types may be absent).
    plora = (await import('@vlalign/plora')) as typeof plora;
  } catch (err) {
    throw new Error(`seva: reference 'adapters' needs @vlalign/plora (npm i @vlalign/plora): ${(err as Error).message}`, { cause: err });
  }
  const model = ctx.model as VisionLanguageModel;
  return {
    mode: 'adapters',
    logits(inputs) {
      const wasTraining = model.training;
      model.eval();
      try {
        return plora.withAdaptersDisabled(model, () => model.forward(inputs).logits);
      } finally {
        model.train(wasTraining);
      }
    },
  };
}
