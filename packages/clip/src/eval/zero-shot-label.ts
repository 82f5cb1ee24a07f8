import type { Sample } from '@vlalign/core';

interface ShapeObject {
  shape?: unknown;
  colour?: unknown;
}

/**
 * The zero-shot class of a sample, or undefined when it has none (then it is left out):
 * - a string `label` field (or `meta.label`) when present;
 * - otherwise, for shapes-world samples with exactly one object, `"<colour> <shape>"` (e.g. `"red circle"`).
 */
export function zeroShotLabel(sample: Sample): string | undefined {
  if (typeof sample.label === 'string') return sample.label;
  if (typeof sample.meta?.label === 'string') return sample.meta.label;
  const objects = sample.objects as ShapeObject[] | undefined;
  if (Array.isArray(objects) && objects.length === 1) {
    const [{ colour, shape }] = objects;
    if (typeof colour === 'string' && typeof shape === 'string') return `${colour} ${shape}`;
  }
  return undefined;
}
