import type { tf } from '@vlalign/core';

/** One generated caption. */
export interface Completion {
  /** Which image (row of the image batch) it describes. */
  imageIndex: number;
  /** Generated token ids, EOS included when the completion finished. */
  ids: number[];
  /** `log p(token | context)` of each id under the sampling model (temperature 1, unfiltered). */
  logProbs: number[];
  /** Decoded text (special tokens removed). */
  text: string;
  /** False when `maxNewTokens` was reached before EOS. */
  finished: boolean;
}

/** The part of `VisionLanguageModel` rollouts use. */
export interface GenerativeVlm {
  forward(inputs: { images: tf.Tensor4D; inputIds: tf.Tensor2D; attentionMask?: tf.Tensor2D }): { logits: tf.Tensor };
  generate(
    images: tf.Tensor4D,
    options: {
      maxNewTokens: number;
      temperature?: number;
      topK?: number;
      topP?: number;
      stopTokens?: number[];
      seed?: number;
      returnLogProbs?: boolean;
      bosId?: number;
      padId?: number;
    },
  ): Promise<{ ids: number[][]; logProbs?: number[][] }>;
}
