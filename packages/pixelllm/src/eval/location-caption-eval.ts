import { imagesToTensor, tf, type RgbImage, type Sample, type Tokenizer, type VisionLanguageModel } from '@vlalign/core';
import { modelImageSize, promptInputs } from '../inference/prompted-forward.js';
import { WHOLE_IMAGE_BOX, type LocationPrompt, type LocationPromptEncoder } from '../prompt/location-prompt-encoder.js';
import { locationPromptsOf } from '../targets/sample-rows.js';
import { chunks } from './eval-samples.js';
import { captionNamesObject } from './names-object.js';

/** What {@link evaluateLocationCaptions} returns. */
export interface LocationCaptionMetrics {
  /** Fraction of (image, object) prompts whose generated caption names that object's colour and shape first. */
  location_caption_accuracy: number;
  /** The same judgement of the caption generated with the whole-image prompt (the baseline, ≈ 1 / #objects). */
  location_caption_accuracy_whole_image: number;
  /** Prompts scored. */
  prompts: number;
}

interface Item {
  image: RgbImage;
  box: LocationPrompt;
  object: { colour: string; shape: string };
  imageIndex: number;
}

async function generateCaptions(
  model: VisionLanguageModel,
  promptEncoder: LocationPromptEncoder | undefined,
  images: RgbImage[],
  prompts: LocationPrompt[],
  tokenizer: Tokenizer,
  maxNewTokens: number,
): Promise<string[]> {
  const imgs = imagesToTensor(images, modelImageSize(model));
  const { extraPrefix, visualTokens } = promptInputs(model, promptEncoder, imgs, prompts);
  try {
    const { ids } = await model.generate(imgs, {
      maxNewTokens,
      stopTokens: [tokenizer.eosId],
      prompt: images.map(() => [tokenizer.bosId]),
      padId: tokenizer.padId,
      extraPrefix,
      visualTokens,
    });
    return ids.map((row) => tokenizer.decode(row));
  } finally {
    tf.dispose([imgs, extraPrefix, visualTokens].filter((t) => t !== undefined));
  }
}

/**
 * Location-conditioned captioning on held-out images: for every object of every sample (with
 * `locationPrompts` and `objects[i].{colour, shape}`), prompt with the object's box, generate
 * greedily, and check that the caption names the object (see `captionNamesObject`). The baseline
 * generates once per image with the whole-image prompt and applies the same check per object.
 */
export async function evaluateLocationCaptions(
  model: VisionLanguageModel,
  promptEncoder: LocationPromptEncoder | undefined,
  samples: readonly Sample[],
  o: { tokenizer: Tokenizer; batchSize: number; maxNewTokens: number; wholeImageMaxNewTokens?: number },
): Promise<LocationCaptionMetrics> {
  const items: Item[] = [];
  const images: RgbImage[] = [];
  samples.forEach((s) => {
    const objects = s.objects as { colour?: unknown; shape?: unknown }[] | undefined;
    if (!s.image || !Array.isArray(objects)) return;
    const prompts = locationPromptsOf(s);
    const before = items.length;
    prompts.forEach((p, j) => {
      const ob = objects[p.objectIndex ?? j];
      if (!ob || typeof ob.colour !== 'string' || typeof ob.shape !== 'string') return;
      items.push({ image: s.image as RgbImage, box: p.box, object: { colour: ob.colour, shape: ob.shape }, imageIndex: images.length });
    });
    if (items.length > before) images.push(s.image as RgbImage);
  });
  if (items.length === 0) return { location_caption_accuracy: Number.NaN, location_caption_accuracy_whole_image: Number.NaN, prompts: 0 };
  let hits = 0;
  for (const group of chunks(items, o.batchSize)) {
    const caps = await generateCaptions(model, promptEncoder, group.map((g) => g.image), group.map((g) => g.box), o.tokenizer, o.maxNewTokens);
    caps.forEach((c, i) => (hits += captionNamesObject(c, group[i].object) ? 1 : 0));
  }
  const whole: string[] = [];
  for (const group of chunks(images, o.batchSize)) {
    whole.push(...(await generateCaptions(model, promptEncoder, group, group.map(() => WHOLE_IMAGE_BOX), o.tokenizer, o.wholeImageMaxNewTokens ?? o.maxNewTokens)));
  }
  const baseHits = items.filter((it) => captionNamesObject(whole[it.imageIndex], it.object)).length;
  return { location_caption_accuracy: hits / items.length, location_caption_accuracy_whole_image: baseHits / items.length, prompts: items.length };
}
