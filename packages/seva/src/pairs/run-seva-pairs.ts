import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  WordTokenizer,
  cocoCaptions,
  createModel,
  createShapesWorld,
  findLatestCheckpoint,
  initBackend,
  jsonlManifest,
  listModelPresets,
  loadCheckpoint,
  loadHfTokenizer,
  loadSafetensors,
  shapesTokenizer,
  tf,
  type Dataset,
  type Tokenizer,
  type VisionLanguageModel,
} from '@vlalign/core';
import { makePreferencePairs, type MakePreferencePairsResult } from './make-preference-pairs.js';
import { parseSevaPairsConfig, type SevaPairsConfig } from './pairs-config.js';

/** Options of {@link runSevaPairs}. */
export interface RunSevaPairsOptions {
  /** Override `pairs.out`. */
  out?: string;
  /** Override `pairs.limit`. */
  limit?: number;
  /** Progress lines. Default: stderr. */
  log?: (message: string) => void;
}

type Raw = Record<string, any>;

/**
 * `vlalign seva pairs <config>`: makes the SeVa preference pairs a training config will use. Reads the
 * same YAML/JSON config as `vlalign train` (model with `init` = the SFT run, tokenizer, `data.train`
 * as the source images) and the seva plugin entry's `options.pairs` ({@link SevaPairsConfig}),
 * then runs {@link makePreferencePairs} (resumable). Stage 2 of SFT -> pairs -> DPO.
 *
 * @param configPath the config file; relative paths in it resolve against its folder.
 * @returns what {@link makePreferencePairs} did.
 */
export async function runSevaPairs(configPath: string, options: RunSevaPairsOptions = {}): Promise<MakePreferencePairsResult> {
  const file = resolve(configPath);
  const dir = dirname(file);
  const config = readConfig(file);
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const entry = (config.plugins as Raw[] | undefined)?.find((p) => typeof p?.use === 'string' && /(^|[/@])seva(#seva)?$/.test(p.use));
  if (!entry) throw new Error(`${file}: no seva plugin entry (plugins: - use: seva) to read options.pairs from`);
  const pairs: SevaPairsConfig = parseSevaPairsConfig(entry.options?.pairs, `${file}: plugins[seva].options.pairs`);
  await initBackend(config.backend);
  const tokenizer = await buildTokenizer(config.tokenizer ?? 'shapes', dir);
  const model = buildVlm(config, tokenizer, dir, file);
  const source = pairs.data ?? config.data?.train;
  if (!source) throw new Error(`${file}: no source images: set data.train or plugins[seva].options.pairs.data`);
  const dataset = await buildDataset(source, dir, file);
  log(`seva pairs: answering ${Math.min(dataset.length, options.limit ?? pairs.limit ?? Infinity)} images of ${dataset.source} on clean and ${pairs.augmentation ?? 'diffusion'} images`);
  try {
    const result = await makePreferencePairs({
      model,
      tokenizer,
      dataset,
      out: resolve(dir, options.out ?? pairs.out),
      prompt: pairs.prompt,
      questionsPerImage: pairs.questionsPerImage,
      augmentation: pairs.augmentation,
      t: pairs.t,
      questionT: pairs.questionT,
      cropScale: pairs.cropScale,
      seed: pairs.seed ?? config.seed ?? 0,
      maxNewTokens: pairs.maxNewTokens,
      questionMaxNewTokens: pairs.questionMaxNewTokens,
      batchSize: pairs.batchSize,
      limit: options.limit ?? pairs.limit,
      resume: pairs.resume,
      log,
    });
    log(`seva pairs: wrote ${result.kept} pairs to ${result.out} (${result.dropped} dropped as identical, ${result.droppedEmpty} with an empty answer, ${result.processed} images answered)`);
    return result;
  } finally {
    model.dispose();
  }
}

function readConfig(file: string): Raw {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read config ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
    if (!raw || typeof raw !== 'object') throw new Error('expected a mapping');
    return raw as Raw;
  } catch (err) {
    throw new Error(`Config ${file} is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { cause: err });
  }
}

async function buildTokenizer(spec: unknown, dir: string): Promise<Tokenizer> {
  if (spec === 'shapes') return shapesTokenizer();
  const s = spec as Raw;
  if (typeof s?.huggingface === 'string') return loadHfTokenizer(resolve(dir, s.huggingface));
  if (typeof s?.word === 'string') return WordTokenizer.fromJSON(JSON.parse(readFileSync(resolve(dir, s.word), 'utf8')));
  throw new Error(`tokenizer must be 'shapes', { huggingface: path } or { word: path }; got ${JSON.stringify(spec)}`);
}

function merge(base: unknown, over: unknown): unknown {
  const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(base) || !isObj(over)) return over === undefined ? base : over;
  const out: Raw = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

/** The config's VLM (preset + overrides), with the `model.init` weights (the SFT run) loaded. */
function buildVlm(config: Raw, tokenizer: Tokenizer, dir: string, file: string): VisionLanguageModel {
  const spec = config.model as Raw | undefined;
  if (spec?.kind !== 'vlm') throw new Error(`${file}: model.kind must be vlm for seva pairs; got ${JSON.stringify(spec?.kind)}`);
  const presetName = spec.preset ?? 'tiny';
  const preset = listModelPresets().find((p) => p.kind === 'vlm' && p.name === presetName);
  if (!preset) throw new Error(`${file}: model.preset "${presetName}" is not a vlm preset`);
  const model = createModel('vlm', merge(preset.config, spec.overrides ?? {}) as never, { seed: config.seed ?? 0, vocabSize: tokenizer.vocabSize }) as VisionLanguageModel;
  if (typeof spec.init !== 'string') {
    process.stderr.write(`seva pairs: warning: ${file} has no model.init, so pairs come from an untrained model\n`);
    return model;
  }
  const path = resolve(dir, spec.init);
  if (!existsSync(path)) throw new Error(`${file}: model.init ${path} does not exist (expected the SFT run folder or a .safetensors file)`);
  let tensors: Record<string, tf.Tensor>;
  if (statSync(path).isDirectory()) {
    const ckpt = findLatestCheckpoint(path) ?? (existsSync(join(path, 'model.safetensors')) ? path : undefined);
    if (!ckpt) throw new Error(`${file}: model.init: no checkpoint in ${path}`);
    const loaded = loadCheckpoint(ckpt);
    tf.dispose(Object.values(loaded.optimizer));
    tensors = loaded.model;
  } else {
    tensors = loadSafetensors(path).tensors;
  }
  const own = Object.fromEntries(Object.entries(tensors).filter(([k]) => !k.startsWith('plugins.')));
  try {
    model.loadStateDict(own);
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return model;
}

async function buildDataset(source: Raw, dir: string, file: string): Promise<Dataset> {
  if (source.shapesWorld) return createShapesWorld(source.shapesWorld) as Dataset;
  if (typeof source.jsonl === 'string') {
    const path = resolve(dir, source.jsonl);
    return jsonlManifest(path, { imageRoot: source.imageRoot ? resolve(dir, source.imageRoot) : dirname(path), imageSize: source.imageSize ?? 64 });
  }
  if (typeof source.coco === 'string') return cocoCaptions(resolve(dir, source.coco), resolve(dir, source.imageRoot), { imageSize: source.imageSize ?? 64 });
  throw new Error(`${file}: the pairs source must be { shapesWorld }, { jsonl } or { coco }; got ${JSON.stringify(source)}`);
}
