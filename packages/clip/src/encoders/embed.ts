import { imagesToTensor, tf, type RgbImage, type Tokenizer } from '@vlalign/core';
import type { ContrastiveEncoder } from './contrastive-encoder.js';
import { l2Normalize } from './l2-normalize.js';
import { tokenizeTexts } from './tokenize-texts.js';

function inBatches(count: number, batchSize: number, embed: (start: number, end: number) => tf.Tensor2D): tf.Tensor2D {
  if (count === 0) throw new Error('nothing to embed');
  const parts: tf.Tensor2D[] = [];
  try {
    for (let start = 0; start < count; start += batchSize) parts.push(embed(start, Math.min(count, start + batchSize)));
    return tf.concat(parts);
  } finally {
    tf.dispose(parts);
  }
}

/** L2-normalised image embeddings `[N, E]`, computed `batchSize` images at a time (caller owns it). */
export function embedImages(encoder: Pick<ContrastiveEncoder, 'encodeImage'>, images: readonly RgbImage[], imageSize: number, batchSize = 32): tf.Tensor2D {
  return inBatches(images.length, batchSize, (start, end) =>
    tf.tidy(() => l2Normalize(encoder.encodeImage(imagesToTensor(images.slice(start, end), imageSize)))),
  );
}

/** L2-normalised text embeddings `[N, E]`, computed `batchSize` texts at a time (caller owns it). */
export function embedTexts(
  encoder: Pick<ContrastiveEncoder, 'encodeText'>,
  texts: readonly string[],
  tokenizer: Tokenizer,
  maxLength: number,
  batchSize = 32,
): tf.Tensor2D {
  return inBatches(texts.length, batchSize, (start, end) =>
    tf.tidy(() => {
      const { ids, lengths } = tokenizeTexts(texts.slice(start, end), tokenizer, maxLength);
      return l2Normalize(encoder.encodeText(ids, lengths));
    }),
  );
}
