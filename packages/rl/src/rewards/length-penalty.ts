import { tokenizeCaption } from '@vlalign/core';
import { named } from './named.js';
import type { RewardFunction } from './types.js';

/** Options of {@link lengthPenalty}. */
export interface LengthPenaltyOptions {
  /** Fewest words without penalty. Default 0. */
  minWords?: number;
  /** Most words without penalty. Default Infinity. */
  maxWords?: number;
  /** Penalty per word outside `[minWords, maxWords]`. Default 0.1. */
  perWord?: number;
  /** Extra penalty for a completion cut off before EOS. Default 0. */
  unfinished?: number;
}

/**
 * A non-positive reward that discourages captions outside a length band:
 * `-perWord * (max(0, minWords - words) + max(0, words - maxWords)) - (finished ? 0 : unfinished)`,
 * words counted by the caption metrics' tokenizer. Logged as `rewards/length_penalty/*`.
 */
export function lengthPenalty(options: LengthPenaltyOptions = {}): RewardFunction {
  const { minWords = 0, maxWords = Infinity, perWord = 0.1, unfinished = 0 } = options;
  if (!(minWords >= 0) || !(maxWords >= minWords)) throw new Error(`lengthPenalty: need 0 <= minWords <= maxWords; got minWords ${minWords}, maxWords ${maxWords}`);
  if (!Number.isFinite(perWord) || !Number.isFinite(unfinished)) throw new Error('lengthPenalty: perWord and unfinished must be finite numbers');
  return named('length_penalty', (samples) =>
    samples.map(({ text, finished }) => {
      const words = tokenizeCaption(text).length;
      const outside = Math.max(0, minWords - words) + Math.max(0, words - maxWords);
      return -perWord * outside - (finished === false ? unfinished : 0);
    }),
  );
}
