/**
 * PixelLLM miniature reproduction on the shapes world (methods notes §1.7): trains a small VLM
 * with the `pixelllm` plugin and, from the same seed, with plain `captioning` alone, then reports
 * - dense word grounding: `point_l1` vs the constant image-centre baseline (target: <= half);
 * - referring localisation: box P@0.5 (target >= 0.70);
 * - location-conditioned captioning accuracy vs the whole-image prompt (target >= 0.80);
 * - caption cross-entropy vs captioning alone (target: within 5 %).
 *
 * Run (from packages/pixelllm): `pnpm experiment` or
 * `npx vitest run --config bench/vitest.experiment.config.ts`, with settings in the environment:
 * PIXELLLM_STEPS, PIXELLLM_BATCH, PIXELLLM_LR, PIXELLLM_IMAGE (a multiple of 8), PIXELLLM_TRAIN,
 * PIXELLLM_EVAL, PIXELLLM_WIDTH, PIXELLLM_LAYERS, PIXELLLM_SEED, and PIXELLLM_BASELINE=0 to skip the
 * captioning-alone run.
 */
import { Trainer, VisionLanguageModel, captioning, createShapesWorld, initBackend, shapesTokenizer, silentLogger, type Plugin, type TrainerLogRecord } from '@vlalign/core';
import { pixelllm } from '../src/index.js';

/** Experiment settings. */
export interface ShapesExperimentSettings {
  steps: number;
  batchSize: number;
  lr: number;
  imageSize: number;
  trainSize: number;
  evalSize: number;
  width: number;
  layers: number;
  baseline: boolean;
  seed: number;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ShapesExperimentSettings {
  const num = (k: string, d: number) => (env[k] !== undefined ? Number(env[k]) : d);
  return {
    steps: num('PIXELLLM_STEPS', 400),
    batchSize: num('PIXELLLM_BATCH', 16),
    lr: num('PIXELLLM_LR', 2e-3),
    imageSize: num('PIXELLLM_IMAGE', 32),
    trainSize: num('PIXELLLM_TRAIN', 4096),
    evalSize: num('PIXELLLM_EVAL', 64),
    width: num('PIXELLLM_WIDTH', 64),
    layers: num('PIXELLLM_LAYERS', 2),
    baseline: env.PIXELLLM_BASELINE !== '0',
    seed: num('PIXELLLM_SEED', 0),
  };
}

function model(s: ShapesExperimentSettings, vocabSize: number): VisionLanguageModel {
  return new VisionLanguageModel(
    {
      vision: { imageSize: s.imageSize, patchSize: 8, width: s.width, layers: s.layers, heads: 4, mlpHidden: 4 * s.width },
      lm: { vocabSize, maxLength: Math.max(96, (s.imageSize / 8) ** 2 + 48), width: s.width, layers: s.layers, heads: 4, mlpHidden: 4 * s.width },
      projectorHidden: s.width,
    },
    { seed: s.seed },
  );
}

async function train(s: ShapesExperimentSettings, plugin: Plugin, log: (r: TrainerLogRecord) => void) {
  const tokenizer = shapesTokenizer();
  const m = model(s, tokenizer.vocabSize);
  const trainer = new Trainer({
    model: m,
    tokenizer,
    plugins: [plugin],
    data: createShapesWorld({ seed: 1, size: s.trainSize, split: 'train', imageSize: s.imageSize, maxObjects: 3 }),
    evalData: createShapesWorld({ seed: 1, size: s.evalSize, split: 'test', imageSize: s.imageSize, maxObjects: 3 }),
    batchSize: s.batchSize,
    steps: s.steps,
    seed: s.seed,
    optimizer: { lr: s.lr, weightDecay: 0.01, warmupSteps: Math.round(s.steps / 20), clipNorm: 1 },
    logEvery: Math.max(1, Math.round(s.steps / 10)),
    logger: silentLogger,
    progress: false,
    handleSigint: false,
    onLog: log,
  });
  const started = Date.now();
  const fit = await trainer.fit();
  const seconds = (Date.now() - started) / 1000;
  trainer.dispose();
  m.dispose();
  return { fit, seconds };
}

/** Runs the experiment and returns the figures (also printed). */
export async function runShapesExperiment(s: ShapesExperimentSettings): Promise<Record<string, number>> {
  const backend = await initBackend();
  console.log(`backend ${backend.name}; settings ${JSON.stringify(s)}`);
  const px = await train(s, pixelllm({ maxLength: 32, eval: { maxSamples: s.evalSize, batchSize: 32, maxNewTokens: 6 } }), (r) =>
    console.log(`[pixelllm] ${r.split} step ${r.step}: ${Object.entries(r.metrics).filter(([k]) => !k.includes('tokens')).map(([k, v]) => `${k}=${+v.toPrecision(4)}`).join(' ')}`),
  );
  const e = px.fit.evalMetrics;
  const out: Record<string, number> = {
    point_l1: e['pixelllm/point_l1'],
    point_l1_centre_baseline: e['pixelllm/point_l1_centre_baseline'],
    point_l1_object_words: e['pixelllm/point_l1_object_words'],
    point_l1_object_words_centre_baseline: e['pixelllm/point_l1_object_words_centre_baseline'],
    p_at_0_5: e['pixelllm/p_at_0_5'],
    referring_mean_iou: e['pixelllm/referring_mean_iou'],
    location_caption_accuracy: e['pixelllm/location_caption_accuracy'],
    location_caption_accuracy_whole_image: e['pixelllm/location_caption_accuracy_whole_image'],
    caption_ce_pixelllm: e['pixelllm/caption_ce'],
    seconds_pixelllm: px.seconds,
  };
  if (s.baseline) {
    const cap = await train(s, captioning({ maxLength: 32, maxEvalSamples: s.evalSize }), (r) =>
      console.log(`[captioning] ${r.split} step ${r.step}: ${Object.entries(r.metrics).filter(([k]) => !k.includes('tokens')).map(([k, v]) => `${k}=${+v.toPrecision(4)}`).join(' ')}`),
    );
    out.caption_ce_captioning_alone = cap.fit.evalMetrics['captioning/ce'];
    out.caption_ce_ratio = out.caption_ce_pixelllm / out.caption_ce_captioning_alone;
    out.seconds_captioning = cap.seconds;
  }
  console.log('\nRESULTS');
  for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(40)} ${+v.toPrecision(4)}`);
  return out;
}
