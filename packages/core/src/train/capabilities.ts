import type { Module } from '../nn/module.js';
import type { ModelCapability } from './plugin.js';

/** Capabilities implied by another (a VLM is also an LM and has a vision tower). */
const IMPLIED: Record<ModelCapability, ModelCapability[]> = {
  vlm: ['vlm', 'lm', 'vision'],
  'dual-encoder': ['dual-encoder', 'vision'],
  lm: ['lm'],
  vision: ['vision'],
};

/** Adds the implied capabilities (`vlm` -> `lm`, `vision`; `dual-encoder` -> `vision`), deduplicated. */
export function expandCapabilities(caps: readonly ModelCapability[]): ModelCapability[] {
  return [...new Set(caps.flatMap((c) => IMPLIED[c] ?? [c]))];
}

/**
 * What a model can do. A model may declare `capabilities: ModelCapability[]`; otherwise they are
 * inferred from its shape: children `vision` + `lm` with `encodeImages` -> `vlm`; `encodeImage` +
 * `encodeText` -> `dual-encoder`; `embed` + `generate` -> `lm`.
 */
export function modelCapabilities(model: Module): ModelCapability[] {
  const m = model as unknown as Record<string, unknown>;
  if (Array.isArray(m.capabilities)) return expandCapabilities(m.capabilities as ModelCapability[]);
  const caps: ModelCapability[] = [];
  const has = (k: string) => typeof m[k] === 'function';
  if (m.vision && m.lm && has('encodeImages')) caps.push('vlm');
  if (has('encodeImage') && has('encodeText')) caps.push('dual-encoder');
  if (has('embed') && has('generate')) caps.push('lm');
  return expandCapabilities(caps);
}
