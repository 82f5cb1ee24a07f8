import { CausalLM, Module, TextEncoder, ViT } from '@vlalign/core';

/**
 * Named target sets, resolved against the model's structure (so the same name works on a
 * `VisionLanguageModel`, a bare `CausalLM` and, where it applies, a `DualEncoder`):
 *
 * | preset              | linear layers adapted                                                       |
 * |---------------------|-----------------------------------------------------------------------------|
 * | `llm-all-linear`    | every linear layer in the language model's blocks: attention q/k/v/out and MLP fc1/fc2 (what InternLM-XComposer2 puts PLoRA on: wqkv, wo, w1/w2/w3). Not `lm_head`. |
 * | `llm-attention`     | the LM's attention projections `q_proj`, `k_proj`, `v_proj`, `out_proj`        |
 * | `llm-qv`            | the LM's `q_proj` and `v_proj` only (PEFT's default for LLaMA-style models)   |
 * | `llm-mlp`           | the LM's MLP `fc1`, `fc2`                                                    |
 * | `vision-all-linear` | every linear layer in the vision tower's blocks (not `patch_embed`)          |
 * | `text-all-linear`   | every linear layer in a text encoder's blocks (dual encoders)               |
 * | `projector`         | the vision-to-LM projector's linear layers                                   |
 * | `all-linear`        | every linear layer except the LM's output `lm_head` (PEFT's `all-linear`)     |
 */
export const TARGET_PRESETS = [
  'llm-all-linear',
  'llm-attention',
  'llm-qv',
  'llm-mlp',
  'vision-all-linear',
  'text-all-linear',
  'projector',
  'all-linear',
] as const;

/** A name from {@link TARGET_PRESETS}. */
export type TargetPreset = (typeof TARGET_PRESETS)[number];

/** True when `name` is a preset name. */
export function isTargetPreset(name: string): name is TargetPreset {
  return (TARGET_PRESETS as readonly string[]).includes(name);
}

const ATTENTION = new Set(['q_proj', 'k_proj', 'v_proj', 'out_proj']);
const QV = new Set(['q_proj', 'v_proj']);
const MLP_LAYERS = new Set(['fc1', 'fc2']);

function rootsOf(model: Module, kind: abstract new (...args: never[]) => Module): string[] {
  return model.namedModules().filter(([, m]) => m instanceof kind).map(([p]) => p);
}

function under(path: string, root: string, child: string): boolean {
  const prefix = root ? `${root}.${child}.` : `${child}.`;
  return path.startsWith(prefix);
}

/**
 * Resolves a preset to a predicate over linear-module paths of `model`.
 * @throws when the model has none of the parts the preset names (e.g. `llm-*` on a dual encoder).
 */
export function presetMatcher(model: Module, preset: TargetPreset): (path: string) => boolean {
  const lms = rootsOf(model, CausalLM);
  const towers = rootsOf(model, ViT);
  const texts = rootsOf(model, TextEncoder);
  const need = (roots: string[], what: string) => {
    if (!roots.length) throw new Error(`LoRA targets preset "${preset}" needs ${what} in the model, but it has none; pass targets as module-path suffixes or a RegExp instead`);
    return roots;
  };
  const last = (p: string) => p.slice(p.lastIndexOf('.') + 1);
  const inBlocks = (roots: string[]) => (p: string) => roots.some((r) => under(p, r, 'blocks'));
  switch (preset) {
    case 'llm-all-linear':
      return inBlocks(need(lms, 'a causal language model'));
    case 'llm-attention': {
      const f = inBlocks(need(lms, 'a causal language model'));
      return (p) => f(p) && ATTENTION.has(last(p));
    }
    case 'llm-qv': {
      const f = inBlocks(need(lms, 'a causal language model'));
      return (p) => f(p) && QV.has(last(p));
    }
    case 'llm-mlp': {
      const f = inBlocks(need(lms, 'a causal language model'));
      return (p) => f(p) && MLP_LAYERS.has(last(p));
    }
    case 'vision-all-linear':
      return inBlocks(need(towers, 'a ViT vision tower'));
    case 'text-all-linear':
      return inBlocks(need(texts, 'a text encoder'));
    case 'projector': {
      const roots = model.namedModules().filter(([p]) => last(p) === 'projector' && p !== '').map(([p]) => p);
      need(roots, 'a module named "projector"');
      return (p) => roots.some((r) => p.startsWith(`${r}.`));
    }
    case 'all-linear': {
      const heads = lms.map((r) => (r ? `${r}.lm_head` : 'lm_head'));
      return (p) => !heads.includes(p);
    }
  }
}
