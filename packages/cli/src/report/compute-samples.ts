import { Trainer, findLatestCheckpoint, imagesToTensor, initBackend, loadCheckpoint, tf, type Module, type RgbImage, type Sample, type Tokenizer, type VisionLanguageModel } from '@vlalign/core';
import { buildPluginEntries } from '../run/run-training.js';
import { buildDataset } from '../run/build-data.js';
import { buildModel } from '../run/build-model.js';
import { buildTokenizer } from '../run/build-tokenizer.js';
import { loadRunConfig } from '../run/run-folder.js';
import type { VlalignConfig } from '../config/schema.js';
import { importInstalled } from './import-installed.js';
import type { ReportSample } from './report-sample.js';
import { pickTestSamples } from './test-samples.js';
import { enableNativeKernels } from '../run/native-kernels.js';

/** Options of {@link computeReportSamples}. */
export interface ComputeReportSamplesOptions {
  /** How many test images. Default 8. */
  count?: number;
  /** Where plugin packages are resolved from (as for `vlalign train`). Default the current directory. */
  projectDir?: string;
  /** Most tokens per generated caption. Default 24. */
  maxNewTokens?: number;
}

/** What {@link computeReportSamples} returns: the samples, or why there are none. */
export interface ComputedReportSamples {
  samples: ReportSample[];
  /** Set when `samples` is empty or has no generated captions, saying why. */
  note?: string;
  /** The checkpoint the captions came from. */
  checkpoint?: string;
}

/** The subset of `@vlalign/pixelllm` the report uses (loaded only when installed). */
interface PixelLlmModule {
  resolvePixelLlmOptions(options: Record<string, unknown>): { head: Record<string, unknown>; promptEncoder: Record<string, unknown> };
  PointHead: new (width: number, options: Record<string, unknown>) => Module;
  LocationPromptEncoder: new (width: number, options: Record<string, unknown>) => Module;
  localizeWords(model: VisionLanguageModel, head: Module, image: RgbImage, tokenizer: Tokenizer, options: { promptEncoder?: Module; maxNewTokens?: number }): Promise<{ caption: string; words: { word: string; points: [number, number][] }[] }>;
}

function referenceOf(s: Sample): string | undefined {
  return s.captions?.[0] ?? (typeof s.text === 'string' ? s.text : undefined);
}

/**
 * Computes the report's image grid from a run folder: rebuilds the run the way `vlalign train` does
 * (tokenizer, model, data, plugins), restores the latest checkpoint into a {@link Trainer} (so
 * adapter-injecting plugins rebuild their modules first), and has the vision-language model caption
 * `count` test images greedily. When the run used the `pixelllm` plugin and `@vlalign/pixelllm` is
 * installed, its point head is loaded from the checkpoint and `localizeWords` adds per-word points.
 *
 * Models that do not generate (dual encoders, text LMs) and runs without a checkpoint give the test
 * images with their reference captions and a `note` saying why there is no generated caption.
 */
export async function computeReportSamples(runDir: string, options: ComputeReportSamplesOptions = {}): Promise<ComputedReportSamples> {
  const count = options.count ?? 8;
  const projectDir = options.projectDir ?? process.cwd();
  const { config, configDir } = loadRunConfig(runDir);
  const referenceOnly = async (note: string): Promise<ComputedReportSamples> => {
    const picked = config.model.kind === 'lm' ? [] : await pickTestSamples(config, configDir, count);
    return { samples: picked.map((s) => ({ image: s.image!, caption: '(not generated)', reference: referenceOf(s) })), note };
  };
  if (config.model.kind !== 'vlm') return referenceOnly(`The run's model is a ${config.model.kind}, which does not generate captions; the grid shows test images with their reference captions.`);
  const checkpoint = findLatestCheckpoint(runDir);
  if (!checkpoint) return referenceOnly(`${runDir} has no checkpoint yet, so no captions were generated.`);

  await initBackend(config.backend);
  await enableNativeKernels();
  const { trainer, model, tokenizer } = await rebuildRun(config, configDir, projectDir);
  try {
    await trainer.restore(checkpoint);
    const vlm = model as unknown as VisionLanguageModel;
    const picked = await pickTestSamples(config, configDir, count);
    const maxNewTokens = options.maxNewTokens ?? 24;
    const pixel = trainer.pluginNames.includes('pixelllm') ? await loadPointHead(config, vlm, checkpoint, projectDir) : undefined;
    try {
      if (pixel) {
        const samples: ReportSample[] = [];
        for (const s of picked) {
          const out = await pixel.mod.localizeWords(vlm, pixel.head, s.image!, tokenizer, { promptEncoder: pixel.promptEncoder, maxNewTokens });
          samples.push({ image: s.image!, caption: out.caption, reference: referenceOf(s), words: out.words.map((w) => ({ word: w.word, points: w.points.map((p) => [p[0], p[1]] as [number, number]) })) });
        }
        return { samples, checkpoint };
      }
      const captions = await generateCaptions(vlm, tokenizer, picked.map((s) => s.image!), maxNewTokens);
      return { samples: picked.map((s, i) => ({ image: s.image!, caption: captions[i], reference: referenceOf(s) })), checkpoint };
    } finally {
      pixel?.head.dispose();
      pixel?.promptEncoder?.dispose();
    }
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

/** Rebuilds a run's trainer the way `vlalign train` does, without data positions or a run folder (internal; exported for tests). */
export async function rebuildRun(config: VlalignConfig, configDir: string, projectDir: string): Promise<{ trainer: Trainer; model: Module; tokenizer: Tokenizer }> {
  const tokenizer = await buildTokenizer(config.tokenizer, configDir);
  const model = buildModel({ ...config.model, init: undefined }, config.seed, tokenizer.vocabSize, configDir);
  const plugins = await buildPluginEntries(config, configDir, projectDir);
  const t = config.train;
  const trainer = new Trainer({
    model,
    tokenizer,
    plugins,
    data: await buildDataset(config.data.train, configDir),
    batchSize: t.batchSize,
    steps: t.steps,
    seed: config.seed,
    optimizer: { lr: t.lr, weightDecay: t.weightDecay, warmupSteps: t.warmupSteps, minLrRatio: t.minLrRatio, clipNorm: t.clipNorm, accumulate: t.accumulate },
    progress: false,
    handleSigint: false,
  });
  return { trainer, model, tokenizer };
}

async function generateCaptions(model: VisionLanguageModel, tokenizer: Tokenizer, images: RgbImage[], maxNewTokens: number): Promise<string[]> {
  if (!images.length) return [];
  const batch = imagesToTensor(images, model.config.vision.imageSize);
  try {
    const out = await model.generate(batch, {
      maxNewTokens,
      temperature: 0,
      stopTokens: [tokenizer.eosId],
      prompt: images.map(() => [tokenizer.bosId]),
      padId: tokenizer.padId,
    });
    return out.ids.map((ids) => tokenizer.decode(ids.filter((id) => id !== tokenizer.eosId && id !== tokenizer.padId && id !== tokenizer.bosId)));
  } finally {
    batch.dispose();
  }
}

async function loadPointHead(config: VlalignConfig, model: VisionLanguageModel, checkpoint: string, projectDir: string) {
  const mod = await importInstalled<PixelLlmModule>('@vlalign/pixelllm', projectDir);
  if (!mod?.localizeWords || !mod.PointHead) return undefined;
  const entry = config.plugins.find((p) => p.use === 'pixelllm' || p.use.startsWith('@vlalign/pixelllm'));
  const resolved = mod.resolvePixelLlmOptions(entry?.options ?? {});
  const width = model.config.lm.width;
  const head = new mod.PointHead(width, resolved.head);
  const promptEncoder = new mod.LocationPromptEncoder(width, resolved.promptEncoder);
  const ck = loadCheckpoint(checkpoint);
  try {
    head.loadStateDict(pick(ck.model, 'plugins.pixelllm.point_head.'));
    const enc = pick(ck.model, 'plugins.pixelllm.prompt_encoder.');
    if (Object.keys(enc).length) promptEncoder.loadStateDict(enc);
  } finally {
    tf.dispose(Object.values(ck.model));
    tf.dispose(Object.values(ck.optimizer));
  }
  return { mod, head, promptEncoder };
}

function pick(tensors: Record<string, tf.Tensor>, prefix: string): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}
