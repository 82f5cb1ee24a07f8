import type { Module } from '@vlalign/core';

/**
 * A frozen copy of `model` with the same config and current weights (the KL reference: the
 * policy as it starts RL). Built with the model's own constructor and `config`, as
 * `VisionLanguageModel` has them.
 */
export function frozenCopy<M extends Module>(model: M): M {
  const config = (model as unknown as { config?: unknown }).config;
  if (config === undefined) throw new Error('rl: the model has no "config" to build a reference copy from (expected a VisionLanguageModel)');
  const Ctor = model.constructor as new (config: unknown) => M;
  const copy = new Ctor(config);
  copy.loadStateDict(model.stateDict());
  return copy.freeze().eval();
}
