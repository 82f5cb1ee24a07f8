import { checkInteger, checkSameLength, metricError } from './checks.js';
import { rankOfBestCorrect } from './rank.js';
import { toDenseMatrix, type ScoreMatrix } from './score-matrix.js';

const METRIC = 'zeroShotAccuracy';

/**
 * Top-k zero-shot classification accuracy (open_clip `zero_shot.py`: correct / n).
 *
 * A sample is correct when fewer than k classes rank above its label. Ranking is a stable
 * descending sort of the logits: equal logits are ordered by lower class index first (the same
 * `'index'` rule as {@link recallAtK}), so all-equal logits only score the low-index classes.
 *
 * @param logits `[numSamples][numClasses]` class scores (any monotone scale: cosine, 100*cosine, logits).
 * @param labels Class index of each sample.
 * @param k Cut-off (default 1). When `k` exceeds the number of classes the metric is undefined and
 *   `NaN` is returned, as CLIP_benchmark does for acc5 with fewer than 5 classes.
 * @returns accuracy in [0, 1].
 */
export function zeroShotAccuracy(logits: ScoreMatrix, labels: readonly number[], k = 1): number {
  const m = toDenseMatrix(METRIC, 'logits', logits);
  if (!Array.isArray(labels)) metricError(METRIC, 'labels must be an array of class indices');
  checkSameLength(METRIC, 'logits (rows)', { length: m.rows }, 'labels', labels);
  labels.forEach((y, i) => checkInteger(METRIC, `labels[${i}]`, y, 0, m.cols - 1));
  checkInteger(METRIC, 'k', k, 1);
  if (k > m.cols) return Number.NaN;
  let correct = 0;
  for (let i = 0; i < m.rows; i++) {
    if (rankOfBestCorrect(m.row(i), (c) => c === labels[i], 'index') <= k) correct++;
  }
  return correct / m.rows;
}
