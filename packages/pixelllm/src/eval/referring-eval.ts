import { boxIoU, boxPrecisionAtIoU, type Box, type RgbImage, type Sample, type Tokenizer, type VisionLanguageModel } from '@vlalign/core';
import type { PointHead } from '../head/point-head.js';
import { localizeReferring } from '../inference/localize-referring.js';
import type { LocationPromptEncoder } from '../prompt/location-prompt-encoder.js';
import { referringOf } from '../targets/sample-rows.js';
import { chunks } from './eval-samples.js';

/** What {@link evaluateReferring} returns. */
export interface ReferringMetrics {
  /** Fraction of expressions whose predicted box has IoU > 0.5 with the referent (RefCOCO P@0.5). */
  p_at_0_5: number;
  /** Mean IoU of predicted and referent boxes. */
  referring_mean_iou: number;
  /** Expressions scored. */
  expressions: number;
}

/** Referring localisation on held-out images: every expression of every sample (up to `maxExpressions`). */
export async function evaluateReferring(
  model: VisionLanguageModel,
  head: PointHead,
  promptEncoder: LocationPromptEncoder | undefined,
  samples: readonly Sample[],
  o: { tokenizer: Tokenizer; maxLength: number; batchSize: number; prompt: string; maxExpressions: number },
): Promise<ReferringMetrics> {
  const items = samples
    .filter((s) => s.image)
    .flatMap((s) => referringOf(s).map((r) => ({ image: s.image as RgbImage, expression: r.expression, box: r.box })))
    .slice(0, o.maxExpressions);
  if (items.length === 0) return { p_at_0_5: Number.NaN, referring_mean_iou: Number.NaN, expressions: 0 };
  const predicted: Box[] = [];
  for (const group of chunks(items, o.batchSize)) {
    predicted.push(
      ...(await localizeReferring(
        model,
        head,
        group.map((g) => g.image),
        group.map((g) => g.expression),
        { tokenizer: o.tokenizer, promptEncoder, prompt: o.prompt, maxLength: o.maxLength },
      )),
    );
  }
  const targets = items.map((i) => i.box);
  const ious = predicted.map((p, i) => boxIoU(p, targets[i]));
  return {
    p_at_0_5: boxPrecisionAtIoU(predicted, targets, 0.5),
    referring_mean_iou: ious.reduce((a, v) => a + v, 0) / ious.length,
    expressions: items.length,
  };
}
