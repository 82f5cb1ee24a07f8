import { checkFinite, checkNonEmptyArray, metricError } from './checks.js';

/**
 * Token-level perplexity `exp(totalNll / tokenCount)` from a summed negative log-likelihood
 * (natural log) over `tokenCount` predicted tokens (pad / ignored positions excluded).
 * @throws when totalNll is negative or not finite, or tokenCount is not a positive number.
 */
export function perplexity(totalNll: number, tokenCount: number): number {
  checkFinite('perplexity', 'totalNll', totalNll);
  checkFinite('perplexity', 'tokenCount', tokenCount);
  if (totalNll < 0) metricError('perplexity', `totalNll must be >= 0 (a sum of -log p), got ${totalNll}`);
  if (tokenCount <= 0) metricError('perplexity', `tokenCount must be > 0, got ${tokenCount}`);
  return Math.exp(totalNll / tokenCount);
}

/**
 * Corpus perplexity from per-sequence token log-probabilities (natural log, as returned by
 * `generate(..., { returnLogProbs: true })`): `exp(-Σ log p / #tokens)` over all tokens of all
 * sequences, i.e. token-weighted, not a mean of per-sequence perplexities.
 * @throws on no tokens at all, or a log-probability that is not finite or is > 1e-6.
 */
export function perplexityFromLogProbs(tokenLogProbs: readonly (readonly number[])[]): number {
  const metric = 'perplexityFromLogProbs';
  checkNonEmptyArray(metric, 'tokenLogProbs', tokenLogProbs);
  let sum = 0;
  let count = 0;
  tokenLogProbs.forEach((seq, i) => {
    if (!Array.isArray(seq)) metricError(metric, `tokenLogProbs[${i}] must be a number[]`);
    seq.forEach((lp, t) => {
      checkFinite(metric, `tokenLogProbs[${i}][${t}]`, lp);
      // Float round-off can make log(1) slightly positive; anything larger is a probability > 1.
      if (lp > 1e-6) metricError(metric, `tokenLogProbs[${i}][${t}] = ${lp} is a log-probability > 0`);
      sum += lp;
      count++;
    });
  });
  if (count === 0) metricError(metric, 'tokenLogProbs has no tokens');
  return Math.exp(-sum / count);
}
