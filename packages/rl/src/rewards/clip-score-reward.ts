import { tf, type RgbImage, type Tokenizer } from '@vlalign/core';
import { loadDualEncoderRun } from './load-weights.js';
import { named } from './named.js';
import type { RewardFunction } from './types.js';

/** The two towers CLIPScore needs (a core `DualEncoder` has them; embeddings need not be normalised). */
export interface ClipScoreEncoder {
  encodeImage(images: tf.Tensor4D): tf.Tensor2D;
  encodeText(ids: tf.Tensor2D, lengths: number[]): tf.Tensor2D;
  /** Read for the input sizes when present (a `DualEncoder` has it). */
  config?: { vision?: { imageSize?: number }; text?: { maxLength?: number } };
}

/** Options of {@link clipScoreReward}. */
export interface ClipScoreRewardOptions {
  /** A trained CLIP (a `DualEncoder` from `@vlalign/clip` training), or the run folder it was trained in. */
  model: ClipScoreEncoder | string;
  /** The tokenizer the CLIP text tower was trained with (the captioner's: they share it). */
  tokenizer: Tokenizer;
  /** Image side the CLIP takes. Default: `model.config.vision.imageSize`. */
  imageSize?: number;
  /** Longest text in tokens (BOS and EOS included). Default: the text tower's `maxLength`, else 32. */
  textMaxLength?: number;
  /**
   * Text put before each caption. Hessel et al. use "A photo depicts "; the default is '' because
   * a CLIP trained on the shapes world never saw that prefix.
   */
  prefix?: string;
  /** The `w` of `w * max(cos, 0)`. Default 2.5 (Hessel et al.). */
  scale?: number;
  /** Completions embedded per batch. Default 64. */
  batchSize?: number;
}

/** The helpers of `@vlalign/clip` used here (typed locally: the package is an optional peer). */
interface ClipModule {
  embedImages(encoder: ClipScoreEncoder, images: readonly RgbImage[], imageSize: number, batchSize?: number): tf.Tensor2D;
  embedTexts(encoder: ClipScoreEncoder, texts: readonly string[], tokenizer: Tokenizer, maxLength: number, batchSize?: number): tf.Tensor2D;
}

async function importClip(): Promise<ClipModule> {
  try {
    // @ts-ignore -- an optional peer: its types may be absent (not built or not installed); ClipModule types what is used.
    return (await import('@vlalign/clip')) as unknown as ClipModule;
  } catch (err) {
    throw new Error(`clipScoreReward needs the optional peer dependency @vlalign/clip (npm i @vlalign/clip): ${(err as Error).message}`);
  }
}

/**
 * CLIPScore (Hessel et al., EMNLP 2021) of each completion with its sample's image:
 * `scale * max(cos(E_img(image), E_txt(prefix + text)), 0)`, scale 2.5. The CLIP and
 * `@vlalign/clip` (its tokenisation and embedding helpers) are loaded on first use. Logged as
 * `rewards/clip_score/*`. Alone it is gameable; mix it with CIDEr-D or a KL term.
 *
 * @example
 * rl({ rewards: [{ reward: ciderReward({ corpus }), weight: 1 }, { reward: clipScoreReward({ model: 'runs/clip', tokenizer }), weight: 0.5 }] });
 */
export function clipScoreReward(options: ClipScoreRewardOptions): RewardFunction {
  const scale = options.scale ?? 2.5;
  const prefix = options.prefix ?? '';
  const batchSize = options.batchSize ?? 64;
  if (!options.tokenizer) throw new Error('clipScoreReward: options.tokenizer is required (the tokenizer the CLIP was trained with)');
  let ready: Promise<{ clip: ClipModule; encoder: ClipScoreEncoder }> | undefined;
  const load = async () => {
    const clip = await importClip();
    const encoder = typeof options.model === 'string' ? loadDualEncoderRun(options.model, options.tokenizer.vocabSize) : options.model;
    if (!encoder || typeof encoder.encodeImage !== 'function' || typeof encoder.encodeText !== 'function') {
      throw new Error('clipScoreReward: options.model must be a DualEncoder (encodeImage, encodeText) or a CLIP run folder');
    }
    return { clip, encoder };
  };
  return named('clip_score', async (samples) => {
    ready ??= load();
    const { clip, encoder } = await ready;
    const imageSize = options.imageSize ?? encoder.config?.vision?.imageSize;
    if (!Number.isInteger(imageSize)) throw new Error('clipScoreReward: set options.imageSize (the model exposes no config.vision.imageSize)');
    const maxLength = options.textMaxLength ?? encoder.config?.text?.maxLength ?? 32;
    const images = samples.map((s): RgbImage => {
      if (!s.sample.image) throw new Error(`clipScoreReward: sample "${s.sample.id}" has no image`);
      return s.sample.image;
    });
    const texts = samples.map((s) => prefix + s.text);
    const cos = tf.tidy(() => {
      const img = clip.embedImages(encoder, images, imageSize as number, batchSize);
      const txt = clip.embedTexts(encoder, texts, options.tokenizer, maxLength, batchSize);
      return tf.sum(tf.mul(img, txt), 1);
    });
    const values = Array.from(await cos.data());
    cos.dispose();
    return values.map((c) => scale * Math.max(c, 0));
  });
}
