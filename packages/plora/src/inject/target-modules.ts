import { Linear, type Module } from '@vlalign/core';
import { LoraLinear } from '../layer/lora-linear.js';
import { TARGET_PRESETS, isTargetPreset, presetMatcher } from './target-presets.js';

/**
 * Which linear layers to adapt, with PEFT's `target_modules` semantics:
 * - `string[]`: a module whose path equals an entry or ends with `.` + entry
 *   (`'q_proj'` matches `lm.blocks.0.attn.q_proj`; `'attn.q_proj'` works too);
 * - `RegExp`: a module whose whole path matches (PEFT's `re.fullmatch`);
 * - a preset name from {@link TARGET_PRESETS} (see `target-presets.ts`);
 * - any other single string: a regular expression matched against the whole path, as in PEFT.
 * Only core `Linear` layers are adapted; other modules never match.
 */
export type LoraTargets = readonly string[] | RegExp | string;

/** Paths of every core `Linear` in `model` (candidates for adaptation), in module order. */
export function listLinearModules(model: Module): string[] {
  return model.namedModules().filter(([p, m]) => p !== '' && m instanceof Linear).map(([p]) => p);
}

/** Paths of every {@link LoraLinear} already in `model`. */
export function listLoraModules(model: Module): string[] {
  return model.namedModules().filter(([, m]) => m instanceof LoraLinear).map(([p]) => p);
}

function fullMatch(re: RegExp): (path: string) => boolean {
  const anchored = new RegExp(`^(?:${re.source})$`, re.flags.replace(/[gy]/g, ''));
  return (p) => anchored.test(p);
}

/** A predicate over module paths for `targets` (see {@link LoraTargets}). */
export function targetMatcher(model: Module, targets: LoraTargets): (path: string) => boolean {
  if (targets instanceof RegExp) return fullMatch(targets);
  if (typeof targets === 'string') {
    if (isTargetPreset(targets)) return presetMatcher(model, targets);
    let re: RegExp;
    try {
      re = new RegExp(targets);
    } catch (e) {
      throw new Error(`LoRA targets "${targets}" is neither a preset (${TARGET_PRESETS.join(', ')}) nor a valid regular expression: ${(e as Error).message}`);
    }
    return fullMatch(re);
  }
  if (!Array.isArray(targets) || targets.length === 0 || targets.some((t) => typeof t !== 'string' || t === '')) {
    throw new Error('LoRA targets must be a non-empty array of module-path suffixes, a RegExp, or a preset name');
  }
  return (p) => targets.some((t) => p === t || p.endsWith(`.${t}`));
}

/** `lm.blocks.0.attn.q_proj`, `lm.blocks.1.attn.q_proj` -> `lm.blocks.*.attn.q_proj` (for short error lists). */
function summarise(paths: string[]): string[] {
  return [...new Set(paths.map((p) => p.replace(/\.\d+(?=\.|$)/g, '.*')))];
}

function describeTargets(targets: LoraTargets): string {
  return targets instanceof RegExp ? String(targets) : JSON.stringify(targets);
}

/**
 * Dry run of LoRA injection: the paths of the linear layers `targets` selects in `model`, without
 * changing anything. Throws, listing the linear layers that could be matched, when nothing matches,
 * and when a selected layer already carries an adapter.
 */
export function listTargetModules(model: Module, targets: LoraTargets): string[] {
  const match = targetMatcher(model, targets);
  const adapted = listLoraModules(model).filter(match);
  if (adapted.length) {
    throw new Error(`LoRA targets ${describeTargets(targets)} select module(s) that already have an adapter: ${adapted.join(', ')}. Applying twice to the same module is not supported`);
  }
  const linears = listLinearModules(model);
  const found = linears.filter(match);
  if (!found.length) {
    const options = summarise(linears);
    throw new Error(
      `LoRA targets ${describeTargets(targets)} match no linear module. Linear modules in this model (indices shown as *): ` +
        `${options.length ? options.join(', ') : '(none)'}. Presets: ${TARGET_PRESETS.join(', ')}`,
    );
  }
  return found;
}
