import { checkInteger, checkNonEmptyArray, metricError } from './checks.js';
import { median, rankOfBestCorrect, TIE_RULES, type TieRule } from './rank.js';
import { toDenseMatrix, type ScoreMatrix } from './score-matrix.js';

/** Result of {@link recallAtK}. Recalls are fractions in [0, 1]; ranks are 1-based. */
export interface RecallAtKResult {
  /** Image -> text recall@k per k: an image is a hit when ANY of its captions is in its top k texts. */
  imageToText: Record<number, number>;
  /** Text -> image recall@k per k: a text is a hit when its image is in its top k images. */
  textToImage: Record<number, number>;
  /** Mean over images of the rank of the best-ranked correct caption. */
  imageToTextMeanRank: number;
  /** floor(median) of the image -> text ranks (open_clip's `floor(median(rank0)) + 1`). */
  imageToTextMedianRank: number;
  /** Mean over texts of the rank of the correct image. */
  textToImageMeanRank: number;
  /** floor(median) of the text -> image ranks. */
  textToImageMedianRank: number;
  /** Per-image rank of its best-ranked caption. */
  imageToTextRanks: number[];
  /** Per-text rank of its image. */
  textToImageRanks: number[];
}

/** Options of {@link recallAtK}. */
export interface RecallAtKOptions {
  /** How equal scores are ordered; see {@link TieRule}. Default `'index'`. */
  ties?: TieRule;
}

const METRIC = 'recallAtK';

/**
 * Image <-> text retrieval recall@K with several captions per image (the COCO-5k / Flickr-1k
 * protocol of CLIP_benchmark's `zeroshot_retrieval`; with one caption per image it equals
 * open_clip's `get_clip_metrics`).
 *
 * - image -> text: for image i, rank = 1-based position of its best-ranked caption among all texts;
 *   recall@k = fraction of images with rank <= k ("any caption in the top k", not true recall).
 * - text -> image: for text t, rank = position of image `textToImage[t]` among all images
 *   (column t of `similarity`); recall@k = fraction of texts with rank <= k.
 * - Ties follow `options.ties` (default `'index'`: equal scores are ordered by lower index first,
 *   like a stable sort / open_clip's argsort, so constant scores are not rewarded).
 * - Median ranks are `floor(median)` (numpy median, i.e. the mean of the two middle ranks, floored).
 *
 * @param similarity `[numImages][numTexts]` scores (higher = more similar), as rows or `{ data, shape }`.
 * @param ks Cut-offs, positive integers (default `[1, 5, 10]`); a k larger than the candidate count gives 1.
 * @param textToImage Image index of each text (length numTexts). Default: the diagonal
 *   (`textToImage[t] = t`, needs a square matrix). Every image needs at least one text.
 * @throws on a ragged/empty/non-finite matrix, a length mismatch, an out-of-range image index or an
 *   image without any caption.
 */
export function recallAtK(
  similarity: ScoreMatrix,
  ks: readonly number[] = [1, 5, 10],
  textToImage?: readonly number[],
  options: RecallAtKOptions = {},
): RecallAtKResult {
  const sim = toDenseMatrix(METRIC, 'similarity', similarity);
  const ties = options.ties ?? 'index';
  if (!TIE_RULES.includes(ties)) metricError(METRIC, `options.ties must be one of ${TIE_RULES.join(', ')}, got ${String(ties)}`);
  checkNonEmptyArray(METRIC, 'ks', ks);
  ks.forEach((k, i) => checkInteger(METRIC, `ks[${i}]`, k, 1));

  let owner: readonly number[];
  if (textToImage === undefined) {
    if (sim.rows !== sim.cols) {
      metricError(METRIC, `similarity is ${sim.rows}x${sim.cols}; pass textToImage unless images and texts pair up on the diagonal`);
    }
    owner = Array.from({ length: sim.cols }, (_, t) => t);
  } else {
    if (!Array.isArray(textToImage) || textToImage.length !== sim.cols) {
      metricError(METRIC, `textToImage must have one image index per text (similarity has ${sim.cols} texts), got ${Array.isArray(textToImage) ? textToImage.length : typeof textToImage}`);
    }
    textToImage.forEach((img, t) => checkInteger(METRIC, `textToImage[${t}]`, img, 0, sim.rows - 1));
    owner = textToImage;
  }
  const captionCount = new Array<number>(sim.rows).fill(0);
  owner.forEach((img) => captionCount[img]++);
  const lonely = captionCount.findIndex((c) => c === 0);
  if (lonely >= 0) metricError(METRIC, `image ${lonely} has no text in textToImage; every image needs at least one caption`);

  const i2t = Array.from({ length: sim.rows }, (_, i) => rankOfBestCorrect(sim.row(i), (t) => owner[t] === i, ties));
  const column = new Float64Array(sim.rows);
  const t2i = Array.from({ length: sim.cols }, (_, t) => {
    for (let i = 0; i < sim.rows; i++) column[i] = sim.get(i, t);
    return rankOfBestCorrect(column, (i) => i === owner[t], ties);
  });

  const recall = (ranks: number[]) =>
    Object.fromEntries(ks.map((k) => [k, ranks.filter((r) => r <= k).length / ranks.length])) as Record<number, number>;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    imageToText: recall(i2t),
    textToImage: recall(t2i),
    imageToTextMeanRank: mean(i2t),
    imageToTextMedianRank: Math.floor(median(i2t)),
    textToImageMeanRank: mean(t2i),
    textToImageMedianRank: Math.floor(median(t2i)),
    imageToTextRanks: i2t,
    textToImageRanks: t2i,
  };
}
