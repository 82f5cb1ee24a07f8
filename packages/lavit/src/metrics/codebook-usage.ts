/** Codebook health over a set of token ids. */
export interface CodebookUsage {
  /** Fraction of the codebook's codes that occur at least once. */
  usage: number;
  /** `exp(H)` of the empirical code distribution (1 = one code; K = all codes equally often). */
  perplexity: number;
  /** Distinct codes seen. */
  distinct: number;
  /** Tokens counted. */
  tokens: number;
}

/**
 * Usage fraction and perplexity `exp(-sum p_k log p_k)` of the codes in `sequences` (e.g. the
 * visual ids of an eval set) for a codebook of `codebookSize` codes.
 */
export function codebookUsage(sequences: readonly (readonly number[])[], codebookSize: number): CodebookUsage {
  if (!Number.isInteger(codebookSize) || codebookSize < 1) throw new Error(`codebookUsage: codebookSize must be a positive integer, got ${codebookSize}`);
  const counts = new Map<number, number>();
  let tokens = 0;
  for (const seq of sequences) {
    for (const id of seq) {
      if (!Number.isInteger(id) || id < 0 || id >= codebookSize) throw new Error(`codebookUsage: id ${id} outside [0, ${codebookSize})`);
      counts.set(id, (counts.get(id) ?? 0) + 1);
      tokens++;
    }
  }
  let entropy = 0;
  for (const c of counts.values()) {
    const p = c / tokens;
    entropy -= p * Math.log(p);
  }
  return { usage: counts.size / codebookSize, perplexity: tokens ? Math.exp(entropy) : 0, distinct: counts.size, tokens };
}
