import { tf, type Box, type RgbImage, type Tokenizer, type VisionLanguageModel } from '@vlalign/core';
import type { PointHead } from '../head/point-head.js';
import { WHOLE_IMAGE_BOX, type LocationPrompt, type LocationPromptEncoder } from '../prompt/location-prompt-encoder.js';
import { pointsToBox, type Point } from '../targets/box-points.js';
import { disposeRows, encodeRows } from '../targets/pixel-rows.js';
import { evalMode } from './eval-mode.js';
import { promptInputs, promptedForward, toImageTensor } from './prompted-forward.js';

/** Options of {@link localizeWords}. */
export interface LocalizeWordsOptions {
  /** The prompt encoder the model was trained with; omit if none. */
  promptEncoder?: LocationPromptEncoder;
  /** Location prompt (normalised). Default the whole image: describe everything. */
  prompt?: LocationPrompt;
  /** Most tokens to generate. Default 24. */
  maxNewTokens?: number;
}

/** One generated word with where it is. */
export interface LocalizedWord {
  /** The token's text (`tokenizer.decode([id])`). */
  word: string;
  id: number;
  /** The 2 predicted points (top-left, bottom-right), normalised, not clamped. */
  points: [Point, Point];
  /** The box they span, clamped to the image. */
  box: Box;
}

/** What {@link localizeWords} returns. */
export interface LocalizedCaption {
  caption: string;
  words: LocalizedWord[];
}

/**
 * Pixel-aligned captioning (PixelLLM inference): generates a caption greedily (stopping at EOS),
 * then runs ONE extra teacher-forced pass over `[BOS, generated…, EOS]` and applies the point head
 * to each generated word's position (the feature at the position holding a token predicts that
 * token's points), as scenic's `prepare_text_features` → `predict_points`.
 */
export async function localizeWords(
  model: VisionLanguageModel,
  head: PointHead,
  image: RgbImage,
  tokenizer: Tokenizer,
  options: LocalizeWordsOptions = {},
): Promise<LocalizedCaption> {
  const prompt = options.prompt ?? WHOLE_IMAGE_BOX;
  const imgs = toImageTensor(model, [image]);
  const restore = evalMode(model, head, options.promptEncoder);
  try {
    const { extraPrefix, visualTokens } = promptInputs(model, options.promptEncoder, imgs, [prompt]);
    let generated: number[];
    try {
      const out = await model.generate(imgs, {
        maxNewTokens: options.maxNewTokens ?? 24,
        stopTokens: [tokenizer.eosId],
        prompt: [[tokenizer.bosId]],
        padId: tokenizer.padId,
        extraPrefix,
        visualTokens,
      });
      generated = out.ids[0].filter((id) => id !== tokenizer.eosId && id !== tokenizer.padId);
    } finally {
      tf.dispose([extraPrefix, visualTokens].filter((t) => t !== undefined));
    }
    if (generated.length === 0) return { caption: '', words: [] };
    const text = tokenizer.decode(generated);
    // Teacher-force exactly the generated ids (re-encoding the decoded text could re-segment it).
    const rows = encodeRows([{ prompt, text, captionLoss: false }], idTokenizer(tokenizer, generated), generated.length + 2);
    try {
      const points = tf.tidy(() => {
        const { hidden, visualTokens: vt } = promptedForward(model, options.promptEncoder, imgs, rows, [prompt]);
        return head.forward(tf.slice(hidden, [0, 1, 0], [1, generated.length, hidden.shape[2]]), vt);
      });
      const data = ((await points.array()) as number[][][][])[0];
      points.dispose();
      return {
        caption: text,
        words: generated.map((id, i) => {
          const p = data[i].slice(0, 2).map((q) => [q[0], q[1]] as Point) as [Point, Point];
          return { word: tokenizer.decode([id]), id, points: p, box: pointsToBox(p) };
        }),
      };
    } finally {
      disposeRows(rows);
    }
  } finally {
    restore();
    imgs.dispose();
  }
}

/** A view of `tokenizer` whose `encode` returns the given ids, so `encodeRows` feeds them unchanged. */
function idTokenizer(tokenizer: Tokenizer, ids: number[]): Tokenizer {
  return Object.assign(Object.create(tokenizer) as Tokenizer, { encode: () => [...ids] });
}
