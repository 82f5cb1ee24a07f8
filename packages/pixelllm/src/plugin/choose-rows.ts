import type { Sample, Tokenizer } from '@vlalign/core';
import type { PixelRow } from '../targets/pixel-rows.js';
import { denseCaptionRow, locationCaptionRow, locationPromptsOf, referringOf, referringRow } from '../targets/sample-rows.js';

/** How {@link chooseRows} mixes the tasks. */
export interface RowMix {
  locationFraction: number;
  referringFraction: number;
  referringPrompt: string;
}

/**
 * Draws one task per sample from the plugin's seeded stream: location-conditioned captioning with
 * probability `locationFraction` (a random object of `locationPrompts`), referring with
 * `referringFraction` (a random expression of `referring`), otherwise dense word-grounded
 * captioning. A sample lacking the drawn task's annotation falls back to dense captioning.
 */
export function chooseRows(samples: readonly Sample[], tokenizer: Tokenizer, mix: RowMix, random: () => number): PixelRow[] {
  return samples.map((s) => {
    const r = random();
    if (r < mix.locationFraction) {
      const prompts = locationPromptsOf(s);
      if (prompts.length) return locationCaptionRow(prompts[Math.floor(random() * prompts.length)]);
    } else if (r < mix.locationFraction + mix.referringFraction) {
      const refs = referringOf(s);
      if (refs.length) return referringRow(refs[Math.floor(random() * refs.length)], tokenizer, mix.referringPrompt);
    }
    return denseCaptionRow(s, tokenizer);
  });
}

/** Rows of {@link chooseRowsWithExtras} and, per row, the index of the sample (image) it reads. */
export interface RowsWithSamples {
  rows: PixelRow[];
  sampleOf: number[];
}

/**
 * The `taskRows: 'extra'` mix: EVERY sample gives its dense word-grounded caption row (so
 * captioning sees as many captions per step as captioning alone would), and in addition, each
 * independently, a location-conditioned row with probability `locationFraction` and a referring
 * row with probability `referringFraction` (when the sample has those annotations). A batch of B
 * samples gives about `B * (1 + locationFraction + referringFraction)` rows.
 */
export function chooseRowsWithExtras(samples: readonly Sample[], tokenizer: Tokenizer, mix: RowMix, random: () => number): RowsWithSamples {
  const rows: PixelRow[] = [];
  const sampleOf: number[] = [];
  samples.forEach((s, i) => {
    rows.push(denseCaptionRow(s, tokenizer));
    sampleOf.push(i);
  });
  samples.forEach((s, i) => {
    const prompts = locationPromptsOf(s);
    if (random() < mix.locationFraction && prompts.length) {
      rows.push(locationCaptionRow(prompts[Math.floor(random() * prompts.length)]));
      sampleOf.push(i);
    }
    const refs = referringOf(s);
    if (random() < mix.referringFraction && refs.length) {
      rows.push(referringRow(refs[Math.floor(random() * refs.length)], tokenizer, mix.referringPrompt));
      sampleOf.push(i);
    }
  });
  return { rows, sampleOf };
}
