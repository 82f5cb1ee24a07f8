import type { Sample } from '@vlalign/core';

/**
 * The caption a CAL batch row trains on, with optional per-word flags (the shapes world's
 * `fillerCaption` carries them; plain caption strings do not).
 */
export interface CaptionSource {
  text: string;
  /** Word tokens of `text` the flags refer to (as the word tokenizer splits it). */
  tokens?: readonly string[];
  /** Per token of `tokens`: the word describes the image. */
  isVisual?: readonly boolean[];
  /** Per token of `tokens`: the word is image-irrelevant filler. */
  isFiller?: readonly boolean[];
}

function isFlagArray(v: unknown): v is boolean[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'boolean');
}

/**
 * Reads the text to train on from `sample[field]`: a string; an array of strings (element `index`);
 * or an object `{ text, tokens?, isVisual?, isFiller? }` such as the shapes world's `fillerCaption`.
 * Flags are kept only when `tokens` is given and each flag array has one entry per token.
 */
export function captionSource(sample: Sample, field: string, index = 0): CaptionSource {
  const value = sample[field];
  if (typeof value === 'string') return { text: value };
  if (Array.isArray(value)) {
    const text = value[index % Math.max(1, value.length)];
    if (typeof text === 'string') return { text };
  } else if (value && typeof value === 'object' && typeof (value as { text?: unknown }).text === 'string') {
    const v = value as { text: string; tokens?: unknown; isVisual?: unknown; isFiller?: unknown };
    const tokens = Array.isArray(v.tokens) && v.tokens.every((t) => typeof t === 'string') ? (v.tokens as string[]) : undefined;
    const fits = (flags: unknown) => (tokens && isFlagArray(flags) && flags.length === tokens.length ? flags : undefined);
    return { text: v.text, tokens, isVisual: fits(v.isVisual), isFiller: fits(v.isFiller) };
  }
  const got = value === undefined ? 'nothing' : Array.isArray(value) ? `an array without a string at index ${index}` : typeof value;
  throw new Error(
    `cal: sample "${sample.id}" field "${field}" must be a caption string, an array of captions, or an object { text, tokens?, isVisual?, isFiller? } (like the shapes world's fillerCaption); got ${got}`,
  );
}
