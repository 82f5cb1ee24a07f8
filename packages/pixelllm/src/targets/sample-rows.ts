import type { Box, Sample, Tokenizer } from '@vlalign/core';
import { WHOLE_IMAGE_BOX } from '../prompt/location-prompt-encoder.js';
import { alignTokensToWords } from './align-tokens.js';
import type { PixelRow } from './pixel-rows.js';

/** The per-word annotation the plugin reads (`ShapesSample.wordTargets`, or the same shape from a Localized Narratives reader). */
export interface WordTargetLike {
  word: string;
  /** Normalised `[x0, y0, x1, y1]`: the word's trace box. */
  box: Box;
  role?: string;
}

/** A referring expression (`ShapesSample.referring`). */
export interface ReferringLike {
  expression: string;
  /** Normalised box of the referent. */
  box: Box;
}

/** A location prompt with its caption (`ShapesSample.locationPrompts`). */
export interface LocationCaptionLike {
  box: Box;
  caption: string;
  objectIndex?: number;
}

function isBox(v: unknown): v is Box {
  return Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/** The sample's first caption, with a clear error when it has none. */
export function firstCaption(sample: Sample): string {
  const c = sample.captions?.[0];
  if (typeof c !== 'string') throw new Error(`pixelllm: sample "${sample.id}" has no "captions"[0] string`);
  return c;
}

/** `sample.wordTargets` checked, or undefined when the sample has none. */
export function wordTargetsOf(sample: Sample): WordTargetLike[] | undefined {
  const w = sample.wordTargets;
  if (w === undefined) return undefined;
  if (!Array.isArray(w) || w.some((x) => !x || typeof x !== 'object' || !isBox((x as WordTargetLike).box))) {
    throw new Error(`pixelllm: sample "${sample.id}" field "wordTargets" must be an array of { word, box: [x0, y0, x1, y1] } (normalised)`);
  }
  return w.length ? (w as WordTargetLike[]) : undefined;
}

/** `sample.referring` checked ([] when absent). */
export function referringOf(sample: Sample): ReferringLike[] {
  const r = sample.referring;
  if (r === undefined) return [];
  if (!Array.isArray(r) || r.some((x) => !x || typeof (x as ReferringLike).expression !== 'string' || !isBox((x as ReferringLike).box))) {
    throw new Error(`pixelllm: sample "${sample.id}" field "referring" must be an array of { expression: string, box: [x0, y0, x1, y1] }`);
  }
  return r as ReferringLike[];
}

/** `sample.locationPrompts` checked ([] when absent). */
export function locationPromptsOf(sample: Sample): LocationCaptionLike[] {
  const l = sample.locationPrompts;
  if (l === undefined) return [];
  if (!Array.isArray(l) || l.some((x) => !x || typeof (x as LocationCaptionLike).caption !== 'string' || !isBox((x as LocationCaptionLike).box))) {
    throw new Error(`pixelllm: sample "${sample.id}" field "locationPrompts" must be an array of { box: [x0, y0, x1, y1], caption: string }`);
  }
  return l as LocationCaptionLike[];
}

/**
 * Dense word grounding (PixelLLM's trace captioning): the whole image as prompt, `captions[0]` as
 * text, and each token's box target from `wordTargets`. The words annotated need not be the
 * tokenizer's tokens: tokens are matched to words by Localized Narratives' position-proportional
 * alignment (`alignTokensToWords`), which is the identity for a word-level tokenizer whose tokens
 * are the words. A sample without `wordTargets` gives a plain captioning row.
 */
export function denseCaptionRow(sample: Sample, tokenizer: Tokenizer): PixelRow {
  const text = firstCaption(sample);
  const words = wordTargetsOf(sample);
  if (!words) return { prompt: WHOLE_IMAGE_BOX, text, captionLoss: true };
  const n = tokenizer.encode(text).length;
  const align = alignTokensToWords(n, words.length);
  return {
    prompt: WHOLE_IMAGE_BOX,
    text,
    captionLoss: true,
    tokenBoxes: align.map((w) => words[w].box),
    tokenTags: align.map((w) => words[w].role),
  };
}

/** Location-conditioned captioning: the object's box as prompt, its description as text (no point targets, as for Visual Genome data in PixelLLM). */
export function locationCaptionRow(prompt: LocationCaptionLike): PixelRow {
  return { prompt: prompt.box, text: prompt.caption, captionLoss: true };
}

/** Text of a referring query: `"<prompt> <expression>"`, e.g. "where is the red circle". */
export function referringText(expression: string, prompt: string): string {
  return prompt ? `${prompt} ${expression}` : expression;
}

/**
 * Referring localisation: the whole image as prompt, `"where is <expression>"` as text, and only
 * the LAST token (the one before EOS) supervised, with the referent's box corners; no caption loss
 * (PixelLLM's `point_output_ignore='^end-1'` with task mask `point`).
 */
export function referringRow(ref: ReferringLike, tokenizer: Tokenizer, prompt: string): PixelRow {
  const text = referringText(ref.expression, prompt);
  const n = tokenizer.encode(text).length;
  if (n === 0) throw new Error(`pixelllm: referring expression ${JSON.stringify(ref.expression)} has no tokens`);
  const tokenBoxes: (Box | null)[] = new Array<Box | null>(n).fill(null);
  tokenBoxes[n - 1] = ref.box;
  return { prompt: WHOLE_IMAGE_BOX, text, captionLoss: false, tokenBoxes };
}
