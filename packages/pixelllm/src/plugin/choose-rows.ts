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
