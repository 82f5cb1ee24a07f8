import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  createRng,
  deriveSeed,
  imagesToTensor,
  tf,
  writePreferencePairs,
  type Dataset,
  type PreferencePair,
  type RgbImage,
  type Sample,
  type Tokenizer,
  type VisionLanguageModel,
} from '@vlalign/core';
import { greedyAnswers } from '../text/greedy-answers.js';
import { augmentForPairs, PAIR_AUGMENTATIONS, type PairAugmentation } from './augment-for-pairs.js';
import { readPairsState, readWrittenPairs, settingsMismatch, statePath, writePairsState, type PairSettings, type PairsState } from './pairs-state.js';
import { writePng } from './write-png.js';

/** Options of {@link makePreferencePairs}. */
export interface MakePreferencePairsOptions {
  /** The model to align (usually the SFT checkpoint): it answers both the clean and the augmented image. */
  model: VisionLanguageModel;
  tokenizer: Tokenizer;
  /** Source images: a dataset (e.g. `createShapesWorld({ split: 'train', ... })`) ... */
  dataset?: Dataset;
  /** ... or an array of samples. Each needs `image` (and `questions` for `prompt: 'questions'` or `'mixed'`). */
  samples?: readonly Sample[];
  /** The TRL-layout JSONL to write. PNGs of the images go to `<dir of out>/images/` (samples with an `imagePath` are referenced in place). */
  out: string;
  /**
   * What to ask: `'caption'` (default; BOS only, the captioning prompt), `'questions'` (the sample's
   * `questions[].question`, `questionsPerImage` of them, as SeVa uses VQA questions), `'mixed'` (both:
   * per image the caption prompt plus `questionsPerImage` of its questions, as SeVa's prompts mix
   * descriptions and VQA questions; the question rows' ids are `<id>-q<k>`), or a fixed prompt text.
   */
  prompt?: 'caption' | 'questions' | 'mixed' | (string & {});
  /** Questions per image with `prompt: 'questions'` or `'mixed'`. Default 1. */
  questionsPerImage?: number;
  /** How the rejected response's image is corrupted. Default `'diffusion'`. */
  augmentation?: PairAugmentation;
  /** Diffusion step for `'diffusion'`. Default 500 (SeVa's recommended setting). */
  t?: number;
  /**
   * Diffusion step for the question rows (`'questions'`, and those of `'mixed'`). Default: `t`. A
   * one-word yes/no answer survives noise that already changes a caption, so mixed pairs may need a
   * stronger corruption for their questions than for their captions to yield question pairs at all.
   */
  questionT?: number;
  /** Crop side fraction for `'crop'`. Default 0.75. */
  cropScale?: number;
  /** Seed of the augmentations and question picks (per sample, so chunking and resuming do not change them). Default 0. */
  seed?: number;
  /** Longest answer in tokens. Default 24. */
  maxNewTokens?: number;
  /**
   * Longest answer to a question prompt (`'questions'` and the question rows of `'mixed'`), in tokens.
   * Default: `maxNewTokens`. `1` keeps only the first answer token (the yes/no a POPE-style probe is
   * read by), for a model that does not end its short answers with EOS.
   */
  questionMaxNewTokens?: number;
  /** Source samples answered per chunk (one generate call of 2x the rows; progress is saved after each). Default 32. */
  batchSize?: number;
  /** Use only the first `limit` source samples. Default: all. */
  limit?: number;
  /**
   * Continue an earlier run on the same `out` (default true): the pairs written and the number of
   * source samples answered are read back (`<out>.state.json`) and generation starts after them.
   * `false` starts over.
   */
  resume?: boolean;
  /** Progress lines. Default: none. */
  log?: (message: string) => void;
}

/** What {@link makePreferencePairs} did. */
export interface MakePreferencePairsResult {
  /** The JSONL written (absolute). */
  out: string;
  /** Pairs in the file. */
  kept: number;
  /** Pairs dropped because the two answers were identical (SeVa's only filter), over all runs. */
  dropped: number;
  /** Pairs dropped because the clean-image answer was empty, over all runs. */
  droppedEmpty: number;
  /** Source samples answered, over all runs. */
  processed: number;
  /** Source samples already answered when this call started (0 for a fresh start). */
  resumedFrom: number;
}

interface Row {
  sample: Sample;
  index: number;
  id: string;
  prompt: string;
  seed: number;
  /** Longest answer of this row in tokens. */
  maxNewTokens: number;
  /** Diffusion step of this row's augmented image. */
  t: number;
}

/**
 * SeVa's pair construction (Zhu et al. 2024, step 2 and 3): the model answers each prompt greedily on
 * the clean image (chosen) and on an augmented copy (rejected); pairs whose two answers are identical
 * are dropped (counted and logged); the rest are written as TRL-layout JSON Lines
 * (`{"id", "prompt", "chosen", "rejected", "images": ["images/<id>.png"]}`) that core's
 * `preferencePairs` reader loads for the {@link seva} plugin.
 *
 * The run is resumable: after each chunk of `batchSize` source samples the file and
 * `<out>.state.json` (samples answered, pairs kept and dropped, settings) are saved atomically, and a
 * later call with the same settings continues after the last saved chunk. Augmentation seeds are
 * per sample, so a resumed run writes exactly what an uninterrupted one would.
 *
 * @example
 * const r = await makePreferencePairs({ model: sft, tokenizer: shapesTokenizer(),
 *   dataset: createShapesWorld({ seed: 1, size: 2000, split: 'train' }), out: 'runs/seva/pairs.jsonl' });
 * console.log(`${r.kept} pairs, ${r.dropped} identical dropped`);
 */
export async function makePreferencePairs(options: MakePreferencePairsOptions): Promise<MakePreferencePairsResult> {
  const { model, tokenizer } = options;
  const source = sourceOf(options);
  const out = resolve(options.out);
  const prompt = options.prompt ?? 'caption';
  const augmentation = options.augmentation ?? 'diffusion';
  if (!PAIR_AUGMENTATIONS.includes(augmentation)) throw new Error(`makePreferencePairs: augmentation must be one of ${PAIR_AUGMENTATIONS.join(', ')}; got ${JSON.stringify(augmentation)}`);
  const settings: PairSettings = {
    source: source.source,
    augmentation,
    t: options.t ?? 500,
    questionT: options.questionT ?? options.t ?? 500,
    cropScale: options.cropScale ?? 0.75,
    prompt,
    questionsPerImage: options.questionsPerImage ?? 1,
    maxNewTokens: options.maxNewTokens ?? 24,
    questionMaxNewTokens: options.questionMaxNewTokens ?? options.maxNewTokens ?? 24,
    seed: options.seed ?? 0,
  };
  const batchSize = options.batchSize ?? 32;
  for (const [k, v] of [['batchSize', batchSize], ['maxNewTokens', settings.maxNewTokens], ['questionMaxNewTokens', settings.questionMaxNewTokens], ['questionsPerImage', settings.questionsPerImage]] as const) {
    if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`makePreferencePairs: ${k} must be a positive integer; got ${v}`);
  }
  if (!Number.isInteger(settings.seed)) throw new Error(`makePreferencePairs: seed must be an integer; got ${settings.seed}`);
  const total = Math.min(source.length, options.limit ?? source.length);
  const log = options.log ?? (() => undefined);
  await mkdir(dirname(out), { recursive: true });

  let state: PairsState = { version: 1, processed: 0, kept: 0, dropped: 0, droppedEmpty: 0, settings };
  let pairs: PreferencePair[] = [];
  const previous = options.resume === false ? undefined : readPairsState(out);
  if (previous) {
    const mismatch = settingsMismatch(previous.settings, settings);
    if (mismatch) throw new Error(`makePreferencePairs: ${out} was made with other settings (${mismatch}); use another out, or resume: false to overwrite`);
    pairs = readWrittenPairs(out, previous.kept);
    state = previous;
    log(`seva pairs: resuming ${out} after ${state.processed} samples (${state.kept} pairs kept, ${state.dropped} identical dropped)`);
  } else if (options.resume !== false && existsSync(out)) {
    throw new Error(`makePreferencePairs: ${out} exists but ${statePath(out)} does not, so it cannot be resumed; delete it or pass resume: false to overwrite`);
  } else if (options.resume === false) {
    await rm(statePath(out), { force: true });
  }
  const resumedFrom = state.processed;

  const imageDir = join(dirname(out), 'images');
  while (state.processed < total) {
    const start = state.processed;
    const end = Math.min(total, start + batchSize);
    const rows: Row[] = [];
    for (let i = start; i < end; i++) rows.push(...rowsOf(await source.get(i), i, settings));
    const kept: PreferencePair[] = [];
    if (rows.length > 0) {
      const answers = await answerCleanAndAugmented(model, tokenizer, rows, settings);
      const written = new Set<string>();
      for (let r = 0; r < rows.length; r++) {
        const { chosen, rejected } = answers[r];
        if (chosen.trim() === '') {
          state.droppedEmpty++;
          continue;
        }
        if (chosen === rejected) {
          state.dropped++;
          continue;
        }
        const row = rows[r];
        const image = await imageFileOf(row.sample, imageDir, written);
        kept.push({ id: row.id, prompt: row.prompt, chosen, rejected, image });
      }
    }
    pairs = pairs.concat(kept);
    await writePreferencePairs(out, pairs, { relativeTo: dirname(out) });
    state = { ...state, processed: end, kept: pairs.length };
    writePairsState(out, state);
    log(`seva pairs: ${end}/${total} samples, ${state.kept} pairs kept, ${state.dropped} dropped as identical${state.droppedEmpty ? `, ${state.droppedEmpty} with an empty answer` : ''}`);
  }
  return { out, kept: state.kept, dropped: state.dropped, droppedEmpty: state.droppedEmpty, processed: state.processed, resumedFrom };
}

function sourceOf(options: MakePreferencePairsOptions): Dataset {
  if (options.dataset && options.samples) throw new Error('makePreferencePairs: pass dataset or samples, not both');
  if (options.dataset) return options.dataset;
  if (options.samples) {
    const samples = options.samples;
    return { length: samples.length, get: (i) => samples[i], source: `samples(${samples.length})` };
  }
  throw new Error('makePreferencePairs: pass the source images as dataset or samples');
}

function rowsOf(sample: Sample, index: number, s: PairSettings): Row[] {
  if (!sample.image) throw new Error(`makePreferencePairs: sample "${sample.id}" (index ${index}) has no "image"`);
  const seedOf = (k: number) => deriveSeed(s.seed, 'seva-augment', index, k) || 1;
  const caption: Row = { sample, index, id: sample.id, prompt: '', seed: seedOf(0), maxNewTokens: s.maxNewTokens, t: s.t };
  if (s.prompt === 'caption') return [caption];
  if (s.prompt !== 'questions' && s.prompt !== 'mixed') return [{ ...caption, prompt: s.prompt }];
  const questions = sample.questions as { question?: unknown }[] | undefined;
  if (!Array.isArray(questions)) throw new Error(`makePreferencePairs: prompt '${s.prompt}' needs sample.questions; sample "${sample.id}" (index ${index}) has none`);
  const texts = [...new Set(questions.map((q, k) => {
    if (typeof q?.question !== 'string') throw new Error(`makePreferencePairs: sample "${sample.id}" questions[${k}].question must be a string`);
    return q.question;
  }))];
  const rng = createRng(deriveSeed(s.seed, 'seva-questions', index));
  for (let k = texts.length - 1; k > 0; k--) {
    const j = Math.floor(rng() * (k + 1));
    [texts[k], texts[j]] = [texts[j], texts[k]];
  }
  // 'mixed' puts the caption row first (augmentation seed k = 0) and shifts the questions' seeds by one,
  // so its question rows are not noised exactly like its caption row.
  const shift = s.prompt === 'mixed' ? 1 : 0;
  const asked = texts.slice(0, s.questionsPerImage).map((q, k) => ({ sample, index, id: `${sample.id}-q${k}`, prompt: q, seed: seedOf(k + shift), maxNewTokens: s.questionMaxNewTokens ?? s.maxNewTokens, t: s.questionT ?? s.t }));
  return shift ? [caption, ...asked] : asked;
}

/** The clean rows and their augmented copies, answered in one generate call per answer limit. */
async function answerCleanAndAugmented(model: VisionLanguageModel, tokenizer: Tokenizer, rows: Row[], s: PairSettings): Promise<{ chosen: string; rejected: string }[]> {
  const size = model.config.vision.imageSize;
  const both = tf.tidy(() => {
    const clean = imagesToTensor(rows.map((r) => r.sample.image as RgbImage), size);
    const augmented = rows.map((r, i) => augmentForPairs(tf.slice(clean, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D, s.augmentation as PairAugmentation, { t: r.t, cropScale: s.cropScale, seed: r.seed }));
    return tf.concat([clean, ...augmented], 0) as tf.Tensor4D;
  });
  try {
    const all = [...rows, ...rows];
    const texts: string[] = new Array(all.length);
    // Caption rows and question rows may have different limits ('mixed' with questionMaxNewTokens):
    // a separate call per limit, so short answers are not decoded to the longest limit.
    for (const limit of new Set(all.map((r) => r.maxNewTokens))) {
      const idx = all.flatMap((r, i) => (r.maxNewTokens === limit ? [i] : []));
      const images = idx.length === all.length ? both : (tf.tidy(() => tf.gather(both, tf.tensor1d(idx, 'int32'))) as tf.Tensor4D);
      try {
        const got = await greedyAnswers(model, tokenizer, images, idx.map((i) => all[i].prompt), { maxNewTokens: limit });
        idx.forEach((i, k) => {
          texts[i] = got.texts[k];
        });
      } finally {
        if (images !== both) images.dispose();
      }
    }
    return rows.map((_, i) => ({ chosen: texts[i], rejected: texts[rows.length + i] }));
  } finally {
    both.dispose();
  }
}

/** The image file a pair references: the sample's own file when it has one, else a PNG written once. */
async function imageFileOf(sample: Sample, imageDir: string, written: Set<string>): Promise<string> {
  if (typeof sample.imagePath === 'string' && existsSync(sample.imagePath)) return resolve(sample.imagePath);
  const path = join(imageDir, `${sample.id.replace(/[^A-Za-z0-9._-]/g, '_')}.png`);
  if (!written.has(path)) {
    await writePng(path, sample.image as RgbImage);
    written.add(path);
  }
  return path;
}
