import { tf, type Box, type Tokenizer, type VisionLanguageModel } from '@vlalign/core';
import type { PointHead } from '../head/point-head.js';
import { WHOLE_IMAGE_BOX, type LocationPromptEncoder } from '../prompt/location-prompt-encoder.js';
import { pointsToBox } from '../targets/box-points.js';
import { disposeRows, encodeRows } from '../targets/pixel-rows.js';
import { referringText } from '../targets/sample-rows.js';
import { evalMode } from './eval-mode.js';
import { promptedForward, toImageTensor, type ImageInput } from './prompted-forward.js';

/** Options of {@link localizeReferring}. */
export interface LocalizeReferringOptions {
  /** The model's tokenizer. */
  tokenizer: Tokenizer;
  /** The prompt encoder the model was trained with (whole-image prompt); omit if none. */
  promptEncoder?: LocationPromptEncoder;
  /** Words before the expression. Default `'where is'` (PixelLLM's referring context). */
  prompt?: string;
  /** Longest text in tokens, BOS and EOS included. Default 32. */
  maxLength?: number;
}

/**
 * Referring localisation (PixelLLM): for each image and expression, feeds `"where is <expression>"`
 * teacher-forced with the whole image as location prompt, reads the point head at the expression's
 * LAST token (the position right before EOS) and returns the box spanned by its 2 points
 * (min / max, clamped to the image), normalised to [0, 1].
 *
 * @param images one image per expression (RGB images or a `[B, S, S, 3]` tensor).
 * @param expressions e.g. `['the red circle', ...]`.
 */
export async function localizeReferring(
  model: VisionLanguageModel,
  head: PointHead,
  images: ImageInput,
  expressions: readonly string[],
  options: LocalizeReferringOptions,
): Promise<Box[]> {
  const b = images instanceof tf.Tensor ? images.shape[0] : images.length;
  if (b !== expressions.length) throw new Error(`localizeReferring: ${b} images for ${expressions.length} expressions`);
  if (b === 0) return [];
  const prompt = options.prompt ?? 'where is';
  const rows = encodeRows(
    expressions.map((e) => ({ prompt: WHOLE_IMAGE_BOX, text: referringText(e, prompt), captionLoss: false })),
    options.tokenizer,
    options.maxLength ?? 32,
  );
  const imgs = toImageTensor(model, images);
  const restore = evalMode(model, head, options.promptEncoder);
  let points: tf.Tensor | undefined;
  try {
    points = tf.tidy(() => {
      const { hidden, visualTokens } = promptedForward(model, options.promptEncoder, imgs, rows, expressions.map(() => WHOLE_IMAGE_BOX));
      // The last expression token sits at length - 2 (BOS at 0, EOS last); a row cut at maxLength
      // (no EOS) ends on its last token instead.
      const T = hidden.shape[1];
      const index = rows.ids.map((ids, r) => r * T + lastTokenPosition(ids, options.tokenizer.eosId));
      const picked = tf.gather(tf.reshape(hidden, [b * T, hidden.shape[2]]), tf.tensor1d(index, 'int32'));
      return head.forward(picked, visualTokens);
    });
    const data = (await points.array()) as number[][][];
    return data.map((p) => pointsToBox(p));
  } finally {
    restore();
    tf.dispose([imgs, ...(points ? [points] : [])]);
    disposeRows(rows);
  }
}

function lastTokenPosition(ids: readonly number[], eosId: number): number {
  const n = ids.length;
  return ids[n - 1] === eosId && n >= 2 ? n - 2 : n - 1;
}
