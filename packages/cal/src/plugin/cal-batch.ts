import { captionBatch, imagesToTensor, tf, type Module, type Sample, type Tokenizer, type VLMForwardInputs, type VLMGenerateOptions } from '@vlalign/core';
import { captionSource } from './caption-source.js';
import { labelFlagMasks } from './label-flags.js';

/** The part of `VisionLanguageModel` the CAL plugin uses. */
export interface CalVlm extends Module {
  config: { vision: { imageSize: number } };
  forward(inputs: VLMForwardInputs): { logits: tf.Tensor3D };
  generate(images: tf.Tensor4D, options: VLMGenerateOptions): Promise<{ ids: number[][] }>;
}

/** The model as a vision-language model, with a clear error otherwise. */
export function asVlm(model: Module): CalVlm {
  const m = model as unknown as Partial<CalVlm>;
  if (typeof m.forward !== 'function' || typeof m.generate !== 'function' || !Number.isInteger(m.config?.vision?.imageSize)) {
    throw new Error(`cal: the model must be a VisionLanguageModel (forward with withoutImage, generate, config.vision.imageSize); got ${model.constructor.name}`);
  }
  return m as CalVlm;
}

/** `[B, size, size, 3]` images of the samples, with an error naming the first sample that has none. */
export function batchImages(samples: readonly Sample[], imageSize: number): tf.Tensor4D {
  const images = samples.map((s) => {
    if (!s.image) throw new Error(`cal: sample "${s.id}" has no "image"; CAL works on image-caption pairs`);
    return s.image;
  });
  return imagesToTensor(images, imageSize);
}

/** Tensors of one CAL batch. Dispose with `disposeTensorsIn` (the trainer does so for `prepare`). */
export interface CalBatch {
  images: tf.Tensor4D;
  inputIds: tf.Tensor2D;
  /** `[B, T]` int32 targets aligned with the logits, -100 where not scored. */
  labels: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  /** `[B, T]` 0/1 on label positions that are visual words (only when some row carries flags). */
  visualMask?: tf.Tensor2D;
  /** `[B, T]` 0/1 on label positions that are filler words (only when some row carries flags). */
  fillerMask?: tf.Tensor2D;
  visualCount: number;
  fillerCount: number;
  /** Scored tokens (caption tokens + EOS) in the batch. */
  tokens: number;
}

/** Options of {@link calBatch}. */
export interface CalBatchOptions {
  field: string;
  index: number;
  maxLength: number;
}

/**
 * Tokenises each sample's caption (see `captionSource`) with `captionBatch`, renders its image
 * and places the word flags, when the samples carry them, on the label positions.
 */
export function calBatch(samples: readonly Sample[], tokenizer: Tokenizer, imageSize: number, o: CalBatchOptions): CalBatch {
  const sources = samples.map((s) => captionSource(s, o.field, o.index));
  const texts = sources.map((src, i) => ({ id: samples[i].id, text: src.text }) as Sample);
  const b = captionBatch(texts, tokenizer, { maxLength: o.maxLength, field: 'text' });
  const [B, T] = b.inputIds.shape;
  const flags = labelFlagMasks(sources, b.ids, T, tokenizer);
  const out: CalBatch = {
    images: batchImages(samples, imageSize),
    inputIds: b.inputIds,
    labels: b.labels,
    attentionMask: b.attentionMask,
    visualCount: flags.visualCount,
    fillerCount: flags.fillerCount,
    tokens: b.lengths.reduce((a, n) => a + n - 1, 0),
  };
  if (flags.rowsWithFlags > 0) {
    out.visualMask = tf.tensor2d(flags.visual, [B, T]);
    out.fillerMask = tf.tensor2d(flags.filler, [B, T]);
  }
  return out;
}
