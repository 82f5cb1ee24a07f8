import { recallAtK, tf } from '@vlalign/core';
import { l2Normalize } from '../encoders/l2-normalize.js';

/** Cut-offs reported by {@link retrievalMetrics}. */
export const RETRIEVAL_KS: readonly number[] = [1, 5, 10];

/**
 * Image <-> text retrieval metrics from embeddings, with any number of captions per image (every
 * caption of every image is one text). Cosine similarity ranks the candidates; core's `recallAtK`
 * does the counting (ties by index, as open_clip).
 *
 * Keys (open_clip's names): `image_to_text_R@{1,5,10}` (an image is a hit when ANY of its captions is
 * in its top k), `text_to_image_R@{1,5,10}`, and `{image_to_text,text_to_image}_{mean,median}_rank`
 * (1-based; an image's rank is that of its best-ranked caption).
 *
 * @param imageEmbeddings `[numImages, E]`, normalised or not.
 * @param textEmbeddings `[numTexts, E]`, normalised or not.
 * @param textToImage the image index of every text (length numTexts).
 */
export function retrievalMetrics(
  imageEmbeddings: tf.Tensor2D,
  textEmbeddings: tf.Tensor2D,
  textToImage: readonly number[],
  ks: readonly number[] = RETRIEVAL_KS,
): Record<string, number> {
  if (imageEmbeddings.rank !== 2 || textEmbeddings.rank !== 2 || imageEmbeddings.shape[1] !== textEmbeddings.shape[1]) {
    throw new Error(
      `retrievalMetrics: expected embeddings [numImages, E] and [numTexts, E]; got [${imageEmbeddings.shape}] and [${textEmbeddings.shape}]`,
    );
  }
  const similarity = tf.tidy(() => tf.matMul(l2Normalize(imageEmbeddings), l2Normalize(textEmbeddings), false, true));
  const data = similarity.dataSync();
  const shape = similarity.shape;
  similarity.dispose();
  const r = recallAtK({ data, shape }, ks, textToImage);
  const out: Record<string, number> = {};
  for (const k of ks) out[`image_to_text_R@${k}`] = r.imageToText[k];
  for (const k of ks) out[`text_to_image_R@${k}`] = r.textToImage[k];
  out.image_to_text_mean_rank = r.imageToTextMeanRank;
  out.image_to_text_median_rank = r.imageToTextMedianRank;
  out.text_to_image_mean_rank = r.textToImageMeanRank;
  out.text_to_image_median_rank = r.textToImageMedianRank;
  Object.assign(out, retrievalChance(imageEmbeddings.shape[0], textToImage, ks));
  return out;
}

/**
 * Expected recall of a random ranking, as `<metric>_chance` companions (the baseline a demo prints
 * beside each R@k). Text->image: k / numImages. Image->text with c_i captions among T texts: the
 * chance that at least one of them lands in a random top k, 1 - C(T - c_i, k) / C(T, k), averaged
 * over images.
 */
export function retrievalChance(numImages: number, textToImage: readonly number[], ks: readonly number[] = RETRIEVAL_KS): Record<string, number> {
  const T = textToImage.length;
  const captionsPerImage = new Array<number>(numImages).fill(0);
  for (const i of textToImage) captionsPerImage[i]++;
  const out: Record<string, number> = {};
  for (const k of ks) {
    let sum = 0;
    for (const c of captionsPerImage) {
      let miss = 1;
      for (let j = 0; j < Math.min(k, T); j++) miss *= Math.max(0, T - c - j) / (T - j);
      sum += 1 - miss;
    }
    out[`image_to_text_R@${k}_chance`] = sum / numImages;
    out[`text_to_image_R@${k}_chance`] = Math.min(1, k / numImages);
  }
  return out;
}
