import { tf, zeroShotAccuracy } from '@vlalign/core';
import { l2Normalize } from '../encoders/l2-normalize.js';

/**
 * Zero-shot classification metrics from image embeddings and a classifier made by
 * `buildZeroShotClassifier`:
 * - `zeroshot_top1`, `zeroshot_top5` (correct / n, via core's `zeroShotAccuracy`; top-5 is left out
 *   with fewer than 5 classes, where CLIP_benchmark reports NaN);
 * - `zeroshot_mean_per_class_recall`: recall averaged over the classes that occur in `labels`
 *   (CLIP_benchmark's balanced accuracy).
 *
 * @param imageEmbeddings `[N, E]`, normalised or not.
 * @param classifier `[E, C]` unit-norm class embeddings.
 * @param labels class index of each image.
 */
export function zeroShotMetrics(imageEmbeddings: tf.Tensor2D, classifier: tf.Tensor2D, labels: readonly number[]): Record<string, number> {
  if (imageEmbeddings.shape[1] !== classifier.shape[0]) {
    throw new Error(`zeroShotMetrics: image embeddings [${imageEmbeddings.shape}] do not match classifier [${classifier.shape}] (expected [E, C])`);
  }
  const logits = tf.tidy(() => tf.matMul(l2Normalize(imageEmbeddings), classifier)) as tf.Tensor2D;
  const data = logits.dataSync();
  const shape = logits.shape;
  logits.dispose();
  const [, numClasses] = shape;
  // `_chance`: the accuracy of a random guess, printed beside the metric as its baseline.
  const out: Record<string, number> = { zeroshot_top1: zeroShotAccuracy({ data, shape }, labels, 1), zeroshot_top1_chance: 1 / numClasses };
  if (numClasses >= 5) {
    out.zeroshot_top5 = zeroShotAccuracy({ data, shape }, labels, 5);
    out.zeroshot_top5_chance = 5 / numClasses;
  }

  const hits = new Array<number>(numClasses).fill(0);
  const counts = new Array<number>(numClasses).fill(0);
  labels.forEach((y, i) => {
    counts[y]++;
    const row = data.subarray(i * numClasses, (i + 1) * numClasses);
    // Same tie rule as zeroShotAccuracy: the first maximal class wins.
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (row[c] > row[best]) best = c;
    if (best === y) hits[y]++;
  });
  const present = counts.map((n, c) => [n, c]).filter(([n]) => n > 0);
  out.zeroshot_mean_per_class_recall = present.reduce((acc, [n, c]) => acc + hits[c] / n, 0) / present.length;
  return out;
}
