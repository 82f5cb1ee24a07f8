import type { tf } from '@vlalign/core';

/**
 * The two towers a contrastive objective needs. A core `DualEncoder` is one as it stands; for a
 * `VisionLanguageModel` the clip plugin assembles one from the VLM's vision tower and a text tower
 * it registers. Embeddings are returned un-normalised.
 */
export interface ContrastiveEncoder {
  /** `[B, H, W, 3]` images (as `imagesToTensor` makes them) -> `[B, E]` embeddings. */
  encodeImage(images: tf.Tensor4D): tf.Tensor2D;
  /** `[B, T]` int32 token ids and valid lengths -> `[B, E]` embeddings. */
  encodeText(ids: tf.Tensor2D, lengths: number[]): tf.Tensor2D;
}
