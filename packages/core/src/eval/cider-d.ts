import { checkFinite, checkInteger, metricError } from './checks.js';
import { checkCaptionInputs, countNgrams, tokenizeCaptionInputs, tokenizeChecked, type CaptionTokenizer } from './caption-inputs.js';
import { tokenizeCaption } from './caption-tokenize.js';

/**
 * Document frequencies for CIDEr-D's idf: for each n-gram (tokens joined by one space), the number
 * of documents (images) whose reference set contains it, and the number of documents.
 */
export interface CiderDocumentFrequencies {
  counts: ReadonlyMap<string, number>;
  numDocuments: number;
}

/** Options shared by {@link ciderD} and {@link CiderDScorer}. */
export interface CiderDOptions {
  /** Largest n-gram order (default 4). */
  n?: number;
  /** Standard deviation of the Gaussian length penalty (default 6). */
  sigma?: number;
  /** Tokeniser applied to candidates and references (default {@link tokenizeCaption}). */
  tokenize?: CaptionTokenizer;
}

/** Result of {@link ciderD}. */
export interface CiderDResult {
  /** Mean CIDEr-D over candidates (coco-caption scale; papers print it ×100). */
  score: number;
  /** CIDEr-D per candidate. */
  scores: number[];
}

interface Vector {
  /** tf-idf weight per n-gram, one map per order. */
  weights: Map<string, number>[];
  norms: number[];
  /** coco-caption's "length": the number of bigrams (see the quirk note on {@link CiderDScorer}). */
  length: number;
}

const METRIC = 'ciderD';
const REFERENCE_CACHE_LIMIT = 50_000;

/**
 * CIDEr-D with fixed document frequencies, reusable across calls (RL rewards score many samples
 * against the same idf). Semantics follow coco-caption's `cider/` (which is CIDEr-D) and
 * vrama91/cider `ciderD`:
 *
 * - tf-idf per n-gram g of order n = 1..N: `w_g = tf_g × (log(D) − log(max(1, df_g)))`, tf the raw
 *   count, D the number of documents (an n-gram unseen in the corpus gets the full `log(D)`).
 * - per reference r and order n: `sim_n = Σ_g min(w^c_g, w^r_g) · w^r_g / (‖w^c‖ ‖w^r‖)` (0 when a
 *   norm is 0; the norms are those of the unclipped vectors) times `exp(−(l_c − l_r)² / (2σ²))`.
 * - per candidate: `10 × mean_n(mean_r sim_n)`; the corpus score is the mean over candidates.
 * - Length quirk kept from the reference code: l is the number of bigrams (words − 1, or 0 for
 *   0/1-word captions). Length differences therefore equal word-count differences except when one
 *   side is empty, and then the similarity is 0 anyway, so the quirk never changes a score.
 * - With idf from the evaluated set itself and a single image, every weight is 0 and so is the score.
 *
 * Cooked reference vectors are cached by reference text (bounded), so repeatedly scoring samples
 * of the same image is cheap.
 */
export class CiderDScorer {
  /** The idf statistics in use. */
  readonly documentFrequencies: CiderDocumentFrequencies;
  readonly n: number;
  readonly sigma: number;
  private readonly tokenize: CaptionTokenizer;
  private readonly logDocuments: number;
  private readonly referenceCache = new Map<string, Vector>();

  /**
   * @param source Either a reference corpus — one entry per document (image), each the list of
   *   its reference captions (e.g. the training references, like SCST's `coco-train-idxs`) — from
   *   which document frequencies are counted, or precomputed {@link CiderDocumentFrequencies}
   *   (counts must be integers in [0, numDocuments]).
   */
  constructor(source: readonly (readonly string[])[] | CiderDocumentFrequencies, options: CiderDOptions = {}) {
    const n = options.n ?? 4;
    checkInteger(METRIC, 'options.n', n, 1);
    this.n = n;
    this.sigma = options.sigma ?? 6;
    checkFinite(METRIC, 'options.sigma', this.sigma);
    if (this.sigma <= 0) metricError(METRIC, `options.sigma must be > 0, got ${this.sigma}`);
    this.tokenize = options.tokenize ?? tokenizeCaption;
    this.documentFrequencies = Array.isArray(source)
      ? countDocumentFrequencies(source, n, this.tokenize)
      : checkDocumentFrequencies(source as CiderDocumentFrequencies);
    this.logDocuments = Math.log(this.documentFrequencies.numDocuments);
  }

  /** Same as `new CiderDScorer(df, options)`. */
  static fromDocumentFrequencies(df: CiderDocumentFrequencies, options: CiderDOptions = {}): CiderDScorer {
    return new CiderDScorer(df, options);
  }

  /** Scores one candidate per image against that image's references. */
  score(candidates: readonly string[], references: readonly (readonly string[])[]): CiderDResult {
    checkCaptionInputs(METRIC, candidates, references);
    const scores = candidates.map((cand, i) =>
      this.scoreTokens(
        this.vector(tokenizeChecked(METRIC, `candidates[${i}]`, cand, this.tokenize)),
        references[i].map((r, j) => this.referenceVector(r, `references[${i}][${j}]`)),
      ),
    );
    return { score: scores.reduce((a, b) => a + b, 0) / scores.length, scores };
  }

  /** CIDEr-D of one candidate against its references. */
  scoreOne(candidate: string, references: readonly string[]): number {
    return this.score([candidate], [references]).scores[0];
  }

  private scoreTokens(c: Vector, refs: Vector[]): number {
    const total = new Array<number>(this.n).fill(0);
    for (const r of refs) {
      const delta = c.length - r.length;
      const penalty = Math.exp(-(delta * delta) / (2 * this.sigma * this.sigma));
      for (let k = 0; k < this.n; k++) {
        let dot = 0;
        for (const [g, wc] of c.weights[k]) {
          const wr = r.weights[k].get(g);
          if (wr !== undefined) dot += Math.min(wc, wr) * wr;
        }
        if (c.norms[k] !== 0 && r.norms[k] !== 0) dot /= c.norms[k] * r.norms[k];
        total[k] += dot * penalty;
      }
    }
    return (10 * total.reduce((a, b) => a + b, 0)) / this.n / refs.length;
  }

  private referenceVector(text: string, name: string): Vector {
    let v = this.referenceCache.get(text);
    if (!v) {
      if (this.referenceCache.size >= REFERENCE_CACHE_LIMIT) this.referenceCache.clear();
      v = this.vector(tokenizeChecked(METRIC, name, text, this.tokenize));
      this.referenceCache.set(text, v);
    }
    return v;
  }

  private vector(tokens: string[]): Vector {
    const weights: Map<string, number>[] = [];
    const norms: number[] = [];
    for (let k = 1; k <= this.n; k++) {
      const w = new Map<string, number>();
      let sq = 0;
      for (const [g, tf] of countNgrams(tokens, k)) {
        const df = this.documentFrequencies.counts.get(g) ?? 0;
        const value = tf * (this.logDocuments - Math.log(Math.max(1, df)));
        w.set(g, value);
        sq += value * value;
      }
      weights.push(w);
      norms.push(Math.sqrt(sq));
    }
    return { weights, norms, length: Math.max(0, tokens.length - 1) };
  }
}

function countDocumentFrequencies(corpus: readonly (readonly string[])[], n: number, tokenize: CaptionTokenizer): CiderDocumentFrequencies {
  if (corpus.length === 0) metricError(METRIC, 'the reference corpus must have at least one document (one string[] per image)');
  // The candidates are dummies: this only reuses the reference validation.
  const { references } = tokenizeCaptionInputs(METRIC, corpus.map(() => ''), corpus, tokenize);
  const counts = new Map<string, number>();
  for (const refs of references) {
    const seen = new Set<string>();
    for (const ref of refs) for (let k = 1; k <= n; k++) for (const g of countNgrams(ref, k).keys()) seen.add(g);
    for (const g of seen) counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  return { counts, numDocuments: references.length };
}

function checkDocumentFrequencies(df: CiderDocumentFrequencies): CiderDocumentFrequencies {
  if (!df || typeof df !== 'object' || !(df.counts instanceof Map)) {
    metricError(METRIC, 'documentFrequencies must be { counts: Map<ngram, count>, numDocuments } or a reference corpus (string[][])');
  }
  checkInteger(METRIC, 'documentFrequencies.numDocuments', df.numDocuments, 1);
  for (const [g, c] of df.counts) {
    if (!Number.isInteger(c) || c < 0 || c > df.numDocuments) {
      metricError(METRIC, `documentFrequencies.counts['${g}'] must be an integer in [0, ${df.numDocuments}], got ${String(c)}`);
    }
  }
  return df;
}

/**
 * CIDEr-D of one candidate per image (see {@link CiderDScorer} for the exact definition).
 * Document frequencies come from `references` themselves (coco-caption's default `df='corpus'`)
 * unless `options.documentFrequencies` is given (e.g. training-set statistics for RL rewards).
 *
 * Hand-derived example (tested): two images with references "a b" and "c d" and identical
 * candidates: every n-gram has df 1 of D = 2, both orders 1 and 2 have cosine 1, orders 3 and 4
 * are empty (0), lengths match: CIDEr-D = 10 × (1 + 1 + 0 + 0) / 4 = 5 for each image.
 *
 * @throws on a length mismatch, empty inputs, an image without references or bad options.
 */
export function ciderD(
  candidates: readonly string[],
  references: readonly (readonly string[])[],
  options: CiderDOptions & { documentFrequencies?: CiderDocumentFrequencies } = {},
): CiderDResult {
  const { documentFrequencies, ...rest } = options;
  const scorer = new CiderDScorer(documentFrequencies ?? references, rest);
  return scorer.score(candidates, references);
}
