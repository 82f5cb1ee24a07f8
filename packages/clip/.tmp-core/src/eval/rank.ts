/**
 * How equal scores are ordered when ranking candidates.
 * - `'index'` (default): a stable descending sort; among equal scores the lower index ranks first.
 *   This is open_clip's `argsort` convention and keeps a collapsed model (all scores equal) at
 *   chance level instead of a perfect score.
 * - `'optimistic'`: only candidates scoring strictly higher than the best correct one rank above it.
 * - `'pessimistic'`: every wrong candidate scoring greater than or equal to the best correct one ranks above it.
 */
export type TieRule = 'index' | 'optimistic' | 'pessimistic';

export const TIE_RULES: readonly TieRule[] = ['index', 'optimistic', 'pessimistic'];

/**
 * The 1-based rank of the best-ranked correct candidate: 1 + the number of wrong candidates ranked
 * above it under `ties`. Returns `Infinity` when no candidate is correct.
 */
export function rankOfBestCorrect(scores: ArrayLike<number>, isCorrect: (index: number) => boolean, ties: TieRule): number {
  let best = -Infinity;
  let bestIndex = -1;
  for (let j = 0; j < scores.length; j++) {
    if (isCorrect(j) && (bestIndex < 0 || scores[j] > best)) {
      best = scores[j];
      bestIndex = j;
    }
  }
  if (bestIndex < 0) return Infinity;
  let above = 0;
  for (let j = 0; j < scores.length; j++) {
    if (isCorrect(j)) continue;
    const s = scores[j];
    if (s > best || (s === best && (ties === 'pessimistic' || (ties === 'index' && j < bestIndex)))) above++;
  }
  return above + 1;
}

/** numpy-style median (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
