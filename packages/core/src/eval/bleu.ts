import { countNgrams, tokenizeCaptionInputs, type CaptionTokenizer } from './caption-inputs.js';

/** Options of {@link bleu4}. */
export interface BleuOptions {
  /** Tokeniser applied to candidates and references (default {@link tokenizeCaption}). */
  tokenize?: CaptionTokenizer;
}

/** Result of {@link bleu4}. All scores are in [0, 1] (multiply by 100 for the usual tables). */
export interface BleuResult {
  /** Corpus BLEU-4 (coco-caption's `Bleu(4)` fourth entry). */
  bleu4: number;
  bleu1: number;
  bleu2: number;
  bleu3: number;
  /** Clipped n-gram precisions `correct_n / guess_n` for n = 1..4 (0 when there is no n-gram). */
  precisions: number[];
  /** Corpus clipped-match counts and candidate n-gram counts, n = 1..4. */
  correct: number[];
  guess: number[];
  /** `exp(1 - R / C)` when C < R, else 1 (with coco-caption's 1e-15 / 1e-9 guards). */
  brevityPenalty: number;
  /** C: total candidate length (tokens). */
  candidateLength: number;
  /** R: sum over candidates of the closest reference length. */
  referenceLength: number;
  /** Sentence-level BLEU-4 per candidate (coco-caption `bleu_list[3]`, the SCST BLEU reward). */
  scores: number[];
}

// coco-caption's guards: zero precisions become ~1e-6 instead of crashing the log.
const TINY = 1e-15;
const SMALL = 1e-9;
const N = 4;

/**
 * Corpus BLEU-1..4 exactly as coco-caption / pycocoevalcap `Bleu(4)` computes it with
 * `option='closest'`:
 *
 * - per candidate: `correct_n = Σ_g min(count_cand(g), max_ref count_ref(g))`,
 *   `guess_n = max(0, len - n + 1)`, and the reference length closest to the candidate length
 *   (ties go to the shorter reference);
 * - corpus: `BLEU-k = (Π_{n<=k} (C_n + 1e-15) / (G_n + 1e-9))^(1/k) × BP` with the sums C_n, G_n over
 *   all candidates and `BP = exp(1 - (R + 1e-9) / (C + 1e-15))` when `(C + 1e-15) / (R + 1e-9) < 1`, else 1.
 *   There is no other smoothing: a corpus without any matching 4-gram scores ~0.
 *
 * Worked example (hand-derived, tested): candidate "the cat sat on the mat", reference
 * "the cat is on the mat". Unigrams match 5/6 (the×2, cat, on, mat), bigrams 3/5 (the cat, on the,
 * the mat), trigrams 1/4 (on the mat), 4-grams 0/3; lengths are equal so BP = 1. BLEU-1 = 5/6,
 * BLEU-2 = sqrt(1/2) ≈ 0.7071, BLEU-3 = (1/8)^(1/3) = 0.5, and BLEU-4 =
 * (1/8 × 1e-15/3)^(1/4) ≈ 8.0e-5: only the guard keeps it above 0.
 *
 * @param candidates One generated caption per image.
 * @param references The reference captions of each image (at least one each).
 * @throws on a length mismatch, an empty input or an image without references.
 */
export function bleu4(candidates: readonly string[], references: readonly (readonly string[])[], options: BleuOptions = {}): BleuResult {
  const { candidates: cands, references: refs } = tokenizeCaptionInputs('bleu4', candidates, references, options.tokenize);
  const correct = new Array<number>(N).fill(0);
  const guess = new Array<number>(N).fill(0);
  let candidateLength = 0;
  let referenceLength = 0;
  const scores: number[] = [];
  cands.forEach((cand, i) => {
    const sentCorrect: number[] = [];
    const sentGuess: number[] = [];
    for (let n = 1; n <= N; n++) {
      const maxRef = new Map<string, number>();
      for (const ref of refs[i]) {
        for (const [g, c] of countNgrams(ref, n)) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, c));
      }
      let matched = 0;
      for (const [g, c] of countNgrams(cand, n)) matched += Math.min(c, maxRef.get(g) ?? 0);
      sentCorrect.push(matched);
      sentGuess.push(Math.max(0, cand.length - n + 1));
    }
    const refLen = closestLength(refs[i].map((r) => r.length), cand.length);
    scores.push(bleuFromCounts(sentCorrect, sentGuess, cand.length, refLen)[N - 1]);
    for (let n = 0; n < N; n++) {
      correct[n] += sentCorrect[n];
      guess[n] += sentGuess[n];
    }
    candidateLength += cand.length;
    referenceLength += refLen;
  });
  const bleu = bleuFromCounts(correct, guess, candidateLength, referenceLength);
  return {
    bleu1: bleu[0],
    bleu2: bleu[1],
    bleu3: bleu[2],
    bleu4: bleu[3],
    precisions: correct.map((c, n) => (guess[n] > 0 ? c / guess[n] : 0)),
    correct,
    guess,
    brevityPenalty: brevityPenalty(candidateLength, referenceLength),
    candidateLength,
    referenceLength,
    scores,
  };
}

function closestLength(refLengths: number[], candLength: number): number {
  let best = refLengths[0];
  for (const l of refLengths) {
    const d = Math.abs(l - candLength);
    const bestD = Math.abs(best - candLength);
    if (d < bestD || (d === bestD && l < best)) best = l;
  }
  return best;
}

function brevityPenalty(candLength: number, refLength: number): number {
  const ratio = (candLength + TINY) / (refLength + SMALL);
  return ratio < 1 ? Math.exp(1 - 1 / ratio) : 1;
}

/** BLEU-1..N from clipped counts (geometric means of the running products, times BP). */
function bleuFromCounts(correct: number[], guess: number[], candLength: number, refLength: number): number[] {
  const bp = brevityPenalty(candLength, refLength);
  let product = 1;
  return correct.map((c, n) => {
    product *= (c + TINY) / (guess[n] + SMALL);
    return product ** (1 / (n + 1)) * bp;
  });
}
