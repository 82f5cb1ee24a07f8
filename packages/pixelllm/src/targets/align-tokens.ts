/**
 * Localized Narratives' position-proportional token ↔ utterance alignment (scenic
 * `DecodeLocalizedNarrativesAnnotations`): utterance `u` of `M` sits at relative position
 * `(u + 1) / M`; token `j` of `N` at `(j + 1) / N`, rescaled linearly onto the utterances' range
 * `[1/M, 1]`; each token takes the utterance nearest to it. This is needed whenever the model's
 * tokenizer segments a caption differently from the annotation's words (a BPE tokenizer on
 * shapes-world word targets, or ASR utterances on a transcription). When `N == M` it is the
 * identity.
 *
 * @param numTokens N, the caption's real tokens (no BOS / EOS / PAD).
 * @param numWords M, the annotated words or utterances.
 * @returns for each token the index of its word.
 */
export function alignTokensToWords(numTokens: number, numWords: number): number[] {
  if (!Number.isInteger(numTokens) || numTokens < 0) throw new Error(`alignTokensToWords: numTokens must be an integer >= 0, got ${numTokens}`);
  if (!Number.isInteger(numWords) || numWords < 1) throw new Error(`alignTokensToWords: numWords must be an integer >= 1, got ${numWords}`);
  if (numTokens === numWords) return Array.from({ length: numTokens }, (_, j) => j);
  const lo = 1 / numWords;
  const out: number[] = [];
  for (let j = 0; j < numTokens; j++) {
    const raw = (j + 1) / numTokens;
    const pos = numTokens === 1 ? 1 : lo + ((raw - 1 / numTokens) / (1 - 1 / numTokens)) * (1 - lo);
    let best = 0;
    let bestD = Infinity;
    for (let u = 0; u < numWords; u++) {
      const d = (pos - (u + 1) / numWords) ** 2;
      if (d < bestD) {
        bestD = d;
        best = u;
      }
    }
    out.push(best);
  }
  return out;
}
