import { createHash } from 'node:crypto';
import type { Module } from '@vlalign/core';

const ADAPTER_PARAM = /(^|\.)lora_[AB]\.weight$/;

/**
 * The base model's parameter names and shapes (adapter factors excluded, so a model gives the same
 * listing before and after adapters are added), sorted by name.
 */
export function baseParameterShapes(model: Module): Record<string, number[]> {
  const entries = model
    .namedParameters()
    .filter(([name]) => !ADAPTER_PARAM.test(name))
    .map(([name, v]) => [name, [...v.shape]] as [string, number[]]);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

/**
 * A SHA-256 over the base model's parameter names and shapes (see {@link baseParameterShapes}),
 * written as `sha256:<hex>`. It identifies the architecture adapters were trained on, not the
 * weight values: two checkpoints of the same architecture share a fingerprint.
 */
export function baseModelFingerprint(model: Module): string {
  return fingerprintOf(baseParameterShapes(model));
}

/** The fingerprint of a listing from {@link baseParameterShapes}. */
export function fingerprintOf(shapes: Record<string, number[]>): string {
  const text = Object.entries(shapes)
    .map(([name, shape]) => `${name}:${shape.join('x')}`)
    .join('\n');
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/**
 * Human-readable differences between two listings (for load errors): parameters only in one of
 * them, and shape changes. At most `limit` lines.
 */
export function diffParameterShapes(expected: Record<string, number[]>, actual: Record<string, number[]>, limit = 12): string[] {
  const out: string[] = [];
  for (const [name, shape] of Object.entries(expected)) {
    if (!(name in actual)) out.push(`"${name}" [${shape}] is missing from the model`);
    else if (actual[name].join(',') !== shape.join(',')) out.push(`"${name}" is [${actual[name]}] in the model but [${shape}] in the adapter's base`);
  }
  for (const [name, shape] of Object.entries(actual)) if (!(name in expected)) out.push(`"${name}" [${shape}] is in the model but not in the adapter's base`);
  return out.length > limit ? [...out.slice(0, limit), `... and ${out.length - limit} more`] : out;
}
