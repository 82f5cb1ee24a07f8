import { tf, type VisionLanguageModel } from '@vlalign/core';

/**
 * `model.encodeImages(images)` gathered to one row per `rowImage` entry, so an image shared by
 * several text rows (dense, location and referring rows of one sample) is encoded once.
 *
 * @param images `[N, S, S, 3]` distinct images.
 * @param rowImage image index per text row (default: row i uses image i).
 */
export function rowVisualTokens(model: VisionLanguageModel, images: tf.Tensor4D, rowImage?: readonly number[]): tf.Tensor3D {
  if (rowImage?.some((i) => !Number.isInteger(i) || i < 0 || i >= images.shape[0])) {
    throw new Error(`rowVisualTokens: rowImage entries must be image indices in [0, ${images.shape[0]}), got [${rowImage.join(', ')}]`);
  }
  return tf.tidy(() => {
    const tokens = model.encodeImages(images);
    return rowImage ? (tf.gather(tokens, tf.tensor1d(rowImage as number[], 'int32')) as tf.Tensor3D) : tokens;
  });
}
