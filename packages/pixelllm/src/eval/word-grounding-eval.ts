import { crossEntropySum, imagesToTensor, pointL1Nearest, tf, type RgbImage, type Sample, type Tokenizer, type VisionLanguageModel } from '@vlalign/core';
import type { PointHead } from '../head/point-head.js';
import { modelImageSize, promptedForward } from '../inference/prompted-forward.js';
import type { LocationPromptEncoder } from '../prompt/location-prompt-encoder.js';
import { disposeRows, encodeRows } from '../targets/pixel-rows.js';
import { denseCaptionRow, wordTargetsOf } from '../targets/sample-rows.js';
import { chunks } from './eval-samples.js';

/** What {@link evaluateWordGrounding} returns. */
export interface WordGroundingMetrics {
  /** PixelLLM's `point_l1` (normalised, nearest-of-2 GT point), per image then averaged over images. */
  point_l1: number;
  /** The same for the constant prediction "both points at the image centre (0.5, 0.5)". */
  point_l1_centre_baseline: number;
  /** `point_l1` restricted to colour and shape words (they should be grounded best). */
  point_l1_object_words: number;
  point_l1_object_words_centre_baseline: number;
  /** Mean next-token cross-entropy of `captions[0]` under the whole-image prompt. */
  caption_ce: number;
  /** Images that had word targets. */
  images: number;
}

const OBJECT_ROLES = new Set(['colour', 'shape']);

/**
 * Dense word grounding on held-out images: teacher-forces each image's `captions[0]` with the
 * whole image as prompt and scores the point head on every word that has a trace target with
 * PixelLLM's `point_l1`: each predicted point's mean-over-(x, y) L1 distance to the closer of the 2
 * target corners, averaged over the 2 points, the words of an image, then the images.
 */
export async function evaluateWordGrounding(
  model: VisionLanguageModel,
  head: PointHead,
  promptEncoder: LocationPromptEncoder | undefined,
  samples: readonly Sample[],
  o: { tokenizer: Tokenizer; maxLength: number; batchSize: number },
): Promise<WordGroundingMetrics> {
  const usable = samples.filter((s) => s.image && wordTargetsOf(s));
  const perImage: number[] = [];
  const perImageBase: number[] = [];
  const objPred: number[][][] = [];
  const objTarget: number[][][] = [];
  const objBase: number[][][] = [];
  let ceSum = 0;
  let ceCount = 0;
  for (const group of chunks(usable, o.batchSize)) {
    const rows = group.map((s) => denseCaptionRow(s, o.tokenizer));
    const enc = encodeRows(rows, o.tokenizer, o.maxLength);
    const images = imagesToTensor(group.map((s) => s.image as RgbImage), modelImageSize(model));
    const [pred, sumCount] = tf.tidy(() => {
      const { logits, hidden, visualTokens } = promptedForward(model, promptEncoder, images, enc, rows.map((r) => r.prompt));
      const { sum, count } = crossEntropySum(logits, enc.labels);
      return [head.forward(hidden, visualTokens), tf.stack([sum, count])];
    });
    const [p, t, m, sc] = await Promise.all([pred.array(), enc.pointTargets.array(), enc.pointMask.array(), sumCount.data()]);
    tf.dispose([pred, sumCount, images]);
    disposeRows(enc);
    ceSum += sc[0];
    ceCount += sc[1];
    group.forEach((_, b) => {
      const rowsPred: number[][][] = [];
      const rowsTarget: number[][][] = [];
      const rowsBase: number[][][] = [];
      (m as number[][])[b].forEach((valid, pos) => {
        if (!valid) return;
        const pr = (p as number[][][][])[b][pos];
        const tg = (t as number[][][][])[b][pos];
        const base = [
          [0.5, 0.5],
          [0.5, 0.5],
        ];
        rowsPred.push(pr);
        rowsTarget.push(tg);
        rowsBase.push(base);
        if (OBJECT_ROLES.has(enc.tokenTags[b][pos] ?? '')) {
          objPred.push(pr);
          objTarget.push(tg);
          objBase.push(base);
        }
      });
      if (rowsPred.length === 0) return;
      perImage.push(pointL1Nearest(rowsPred, rowsTarget));
      perImageBase.push(pointL1Nearest(rowsBase, rowsTarget));
    });
  }
  const mean = (v: number[]) => (v.length ? v.reduce((a, x) => a + x, 0) / v.length : Number.NaN);
  return {
    point_l1: mean(perImage),
    point_l1_centre_baseline: mean(perImageBase),
    point_l1_object_words: objPred.length ? pointL1Nearest(objPred, objTarget) : Number.NaN,
    point_l1_object_words_centre_baseline: objPred.length ? pointL1Nearest(objBase, objTarget) : Number.NaN,
    caption_ce: ceCount > 0 ? ceSum / ceCount : Number.NaN,
    images: perImage.length,
  };
}
