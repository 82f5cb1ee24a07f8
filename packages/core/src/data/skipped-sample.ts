import type { Sample } from './types.js';

/**
 * A sample whose image was missing or broken while its reader ran in `onError: 'skip'` mode.
 * Readers still return it (a random-access dataset must answer every index) but without `image` and
 * with `imageError` set; {@link BatchStream} drops such samples and counts them.
 */
export type SkippedSample = Sample & { imageError: string };

/** Whether `sample` is a {@link SkippedSample}. */
export function isSkippedSample(sample: Sample): sample is SkippedSample {
  return typeof sample.imageError === 'string';
}
