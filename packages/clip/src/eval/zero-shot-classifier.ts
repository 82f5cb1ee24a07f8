import { tf, type Tokenizer } from '@vlalign/core';
import type { ContrastiveEncoder } from '../encoders/contrastive-encoder.js';
import { l2Normalize } from '../encoders/l2-normalize.js';
import { embedTexts } from '../encoders/embed.js';

/** Options of {@link buildZeroShotClassifier}. */
export interface ZeroShotClassifierOptions {
  /** Token limit per prompt, BOS/EOS included. Default 32. */
  maxLength?: number;
  /** Prompts encoded per forward pass. Default 64. */
  batchSize?: number;
}

/** Fills a prompt template: every `{}` becomes the class name. */
export function fillTemplate(template: string, className: string): string {
  return template.split('{}').join(className);
}

/**
 * A zero-shot classifier from class names and prompt templates (open_clip's
 * `build_zero_shot_classifier`): each class's prompts are encoded and L2-normalised, averaged, and
 * the average renormalised. Image logits are then `normalize(imageEmbedding) @ classifier`.
 *
 * @param model anything with `encodeText(ids, lengths)`, e.g. a core `DualEncoder`.
 * @param classNames the classes, in label-index order.
 * @param templates prompt templates with `{}` where the class name goes, e.g. `'a photo of a {}'`.
 * @param tokenizer the model's tokenizer.
 * @returns `[E, C]` unit-norm class embeddings as columns (the caller owns it).
 *
 * @example
 * const classifier = buildZeroShotClassifier(model, ['red circle', 'blue square'], ['a {}'], tokenizer);
 * const logits = tf.matMul(l2Normalize(model.encodeImage(images)), classifier); // [B, C]
 */
export function buildZeroShotClassifier(
  model: Pick<ContrastiveEncoder, 'encodeText'>,
  classNames: readonly string[],
  templates: readonly string[],
  tokenizer: Tokenizer,
  { maxLength = 32, batchSize = 64 }: ZeroShotClassifierOptions = {},
): tf.Tensor2D {
  if (classNames.length === 0) throw new Error('buildZeroShotClassifier: classNames is empty');
  if (templates.length === 0) throw new Error('buildZeroShotClassifier: templates is empty');
  const bad = templates.find((t) => !t.includes('{}'));
  if (bad !== undefined) throw new Error(`buildZeroShotClassifier: template ${JSON.stringify(bad)} has no "{}" for the class name`);
  const prompts = classNames.flatMap((name) => templates.map((t) => fillTemplate(t, name)));
  const embeddings = embedTexts(model, prompts, tokenizer, maxLength, batchSize);
  try {
    return tf.tidy(() => {
      const perClass = tf.mean(tf.reshape(embeddings, [classNames.length, templates.length, embeddings.shape[1]]), 1);
      return tf.transpose(l2Normalize(perClass)) as tf.Tensor2D;
    });
  } finally {
    embeddings.dispose();
  }
}
