import { tf, type EvalContext, type EvalHook, type PluginContext, type RgbImage, type Sample } from '@vlalign/core';
import { embedImages, embedTexts } from '../encoders/embed.js';
import type { ResolvedEncoder } from '../encoders/resolve-encoder.js';
import type { ResolvedClipOptions } from '../plugin/clip-options.js';
import { retrievalMetrics } from './retrieval-metrics.js';
import { buildZeroShotClassifier } from './zero-shot-classifier.js';
import { zeroShotLabel } from './zero-shot-label.js';
import { zeroShotMetrics } from './zero-shot-metrics.js';

type ResolveEncoder = (ctx: PluginContext, options: ResolvedClipOptions) => ResolvedEncoder;

async function loadSamples(ctx: EvalContext, maxSamples: number | undefined): Promise<Sample[]> {
  const n = Math.min(ctx.evalData.length, maxSamples ?? Infinity);
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) out.push(await ctx.evalData.get(i));
  return out;
}

/** Records `t` for disposal in the caller's `finally` and returns it. */
function hold<T extends tf.Tensor>(held: tf.Tensor[], t: T): T {
  held.push(t);
  return t;
}

function imageOf(sample: Sample, hook: string, source: string): RgbImage {
  if (!sample.image) throw new Error(`clip/${hook}: sample "${sample.id}" of ${source} has no "image"`);
  return sample.image;
}

/**
 * The `retrieval` eval hook: embeds up to `retrieval.maxSamples` eval images and every caption of
 * each (each caption is one text) and reports {@link retrievalMetrics}.
 */
export function retrievalHook(options: ResolvedClipOptions, resolve: ResolveEncoder): EvalHook {
  return {
    name: 'retrieval',
    async run(ctx) {
      const encoder = resolve(ctx, options);
      const { batchSize, maxSamples } = options.retrieval;
      const samples = await loadSamples(ctx, maxSamples);
      if (samples.length === 0) throw new Error(`clip/retrieval: the eval set ${ctx.evalData.source} is empty`);
      const texts: string[] = [];
      const textToImage: number[] = [];
      samples.forEach((s, i) => {
        if (!Array.isArray(s.captions) || s.captions.length === 0) {
          throw new Error(`clip/retrieval: sample "${s.id}" of ${ctx.evalData.source} needs "captions": a non-empty array of strings`);
        }
        for (const c of s.captions) {
          texts.push(c);
          textToImage.push(i);
        }
      });
      const held: tf.Tensor[] = [];
      try {
        const images = hold(held, embedImages(encoder, samples.map((s) => imageOf(s, 'retrieval', ctx.evalData.source)), encoder.imageSize, batchSize));
        const textEmbeddings = hold(held, embedTexts(encoder, texts, ctx.tokenizer, encoder.textMaxLength, batchSize));
        return retrievalMetrics(images, textEmbeddings, textToImage);
      } finally {
        tf.dispose(held);
      }
    },
  };
}

/**
 * The `zeroShot` eval hook: classifies the labelled eval images (see `zeroShotLabel`; for the
 * shapes world, single-object scenes labelled "<colour> <shape>") with a prompt-template
 * classifier over `zeroShot.classNames` (default: every label found) and reports
 * {@link zeroShotMetrics}. Images whose label is not a class are skipped.
 */
export function zeroShotHook(options: ResolvedClipOptions, resolve: ResolveEncoder): EvalHook {
  return {
    name: 'zeroShot',
    async run(ctx) {
      const encoder = resolve(ctx, options);
      const { batchSize, maxSamples, templates } = options.zeroShot;
      const labelled = (await loadSamples(ctx, undefined))
        .map((sample) => ({ sample, label: zeroShotLabel(sample) }))
        .filter((x): x is { sample: Sample; label: string } => x.label !== undefined);
      const classNames = options.zeroShot.classNames ?? [...new Set(labelled.map((x) => x.label))].sort();
      const classIndex = new Map(classNames.map((c, i) => [c, i]));
      const usable = labelled.filter((x) => classIndex.has(x.label)).slice(0, maxSamples ?? Infinity);
      if (classNames.length < 2 || usable.length === 0) {
        ctx.log(
          `clip/zeroShot: skipped; ${ctx.evalData.source} has ${usable.length} labelled images over ${classNames.length} classes (needs >= 1 image and >= 2 classes)`,
        );
        return {};
      }
      const held: tf.Tensor[] = [];
      try {
        const classifier = hold(held, buildZeroShotClassifier(encoder, classNames, templates, ctx.tokenizer, { maxLength: encoder.textMaxLength, batchSize }));
        const images = hold(held, embedImages(encoder, usable.map((x) => imageOf(x.sample, 'zeroShot', ctx.evalData.source)), encoder.imageSize, batchSize));
        const labels = usable.map((x) => classIndex.get(x.label)!);
        return { ...zeroShotMetrics(images, classifier, labels), zeroshot_images: usable.length };
      } finally {
        tf.dispose(held);
      }
    },
  };
}
