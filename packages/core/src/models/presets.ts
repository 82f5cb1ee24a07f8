import type { Module } from '../nn/module.js';
import type { DualEncoderConfig, TextConfig, ViTConfig, VisionLanguageModelConfig } from './config.js';
import { VisionLanguageModel } from './vision-language-model.js';
import { DualEncoder } from './dual-encoder.js';
import { CausalLM } from './causal-lm.js';
import { convStemChannels } from './vit.js';
import vlmTiny from './presets/vlm-tiny.json';
import vlmSmall from './presets/vlm-small.json';
import dualTiny from './presets/dual-encoder-tiny.json';
import dualSmall from './presets/dual-encoder-small.json';
import clipBench from './presets/dual-encoder-clip-bench.json';
import lmTiny from './presets/lm-tiny.json';
import lmSmall from './presets/lm-small.json';

/** The model families {@link createModel} builds. */
export type ModelKind = 'vlm' | 'dual-encoder' | 'lm';

/** Config type of each {@link ModelKind}. */
export interface ModelConfigByKind {
  vlm: VisionLanguageModelConfig;
  'dual-encoder': DualEncoderConfig;
  lm: TextConfig;
}

/** Model class of each {@link ModelKind}. */
export interface ModelByKind {
  vlm: VisionLanguageModel;
  'dual-encoder': DualEncoder;
  lm: CausalLM;
}

/** A named, ready configuration (stored as JSON in `models/presets/`). */
export interface ModelPreset<K extends ModelKind = ModelKind> {
  kind: K;
  name: string;
  description?: string;
  /** Number of scalar parameters of the model this preset builds (with its own vocabulary size). */
  parameters?: number;
  config: ModelConfigByKind[K];
}

const PRESETS = [vlmTiny, vlmSmall, dualTiny, dualSmall, clipBench, lmTiny, lmSmall] as unknown as ModelPreset[];
const KINDS: readonly ModelKind[] = ['vlm', 'dual-encoder', 'lm'];

function blockParams(d: number, m: number): number {
  return 2 * 2 * d + 4 * (d * d + d) + (d * m + m + m * d + d);
}
function vitParams(c: ViTConfig): number {
  const n = (c.imageSize / c.patchSize) ** 2;
  let stem = c.patchSize * c.patchSize * (c.channels ?? 3) * c.width + c.width;
  if (c.stem === 'conv') {
    const ch = convStemChannels(c.patchSize, c.width);
    stem = ch.reduce((sum, out, i) => sum + 9 * (i === 0 ? (c.channels ?? 3) : ch[i - 1]) * out + out + (i < ch.length - 1 ? 2 * out : 0), 0);
  }
  return stem + n * c.width + c.layers * blockParams(c.width, c.mlpHidden) + 2 * c.width;
}
function textParams(c: TextConfig): number {
  return c.vocabSize * c.width + c.maxLength * c.width + c.layers * blockParams(c.width, c.mlpHidden) + 2 * c.width;
}

/** Scalar parameters of a model of `kind` with `config`, computed without building it. */
export function countModelParameters<K extends ModelKind>(kind: K, config: ModelConfigByKind[K]): number {
  if (kind === 'lm') {
    const c = config as TextConfig;
    return textParams(c) + c.width * c.vocabSize;
  }
  if (kind === 'dual-encoder') {
    const c = config as DualEncoderConfig;
    return vitParams(c.vision) + textParams(c.text) + (c.vision.width + c.text.width) * c.embedDim;
  }
  const c = config as VisionLanguageModelConfig;
  const h = c.projectorHidden ?? c.lm.width;
  return vitParams(c.vision) + c.vision.width * h + h + h * c.lm.width + c.lm.width + textParams(c.lm) + c.lm.width * c.lm.vocabSize;
}

/**
 * Every built-in preset: `{ kind, name, description, parameters, config }` (configs are copies).
 * @example listModelPresets().filter((p) => p.kind === 'vlm').map((p) => p.name) // ['tiny', 'small']
 */
export function listModelPresets(): ModelPreset[] {
  return PRESETS.map((p) => ({ ...structuredClone(p), parameters: countModelParameters(p.kind, p.config) }));
}

/** Options of {@link createModel}. */
export interface CreateModelOptions {
  /** Initialisation seed (default 0): the same seed and config give the same weights. */
  seed?: number;
  /** Overrides the text vocabulary size (the LM's or text tower's), e.g. `tokenizer.vocabSize`. */
  vocabSize?: number;
}

function findPreset(kind: ModelKind, name: string): ModelPreset {
  const short = name.startsWith(`${kind}-`) ? name.slice(kind.length + 1) : name;
  const found = PRESETS.find((p) => p.kind === kind && p.name === short);
  if (!found) {
    const names = PRESETS.filter((p) => p.kind === kind).map((p) => p.name);
    throw new Error(`createModel: no "${kind}" preset named "${name}"; available: ${names.join(', ')}`);
  }
  return found;
}

/**
 * Builds a model from a preset name (`'tiny'`, `'small'`, `'clip-bench'`; `'vlm-tiny'` also works)
 * or from a full config object.
 *
 * @example
 * const model = createModel('vlm', 'tiny', { seed: 1, vocabSize: tokenizer.vocabSize });
 */
export function createModel<K extends ModelKind>(kind: K, presetOrConfig: string | ModelConfigByKind[K], options: CreateModelOptions = {}): ModelByKind[K] {
  if (!KINDS.includes(kind)) throw new Error(`createModel: kind must be one of ${KINDS.join(', ')}; got "${String(kind)}"`);
  const base = typeof presetOrConfig === 'string' ? findPreset(kind, presetOrConfig).config : presetOrConfig;
  const config = structuredClone(base) as ModelConfigByKind[ModelKind];
  const { seed = 0, vocabSize } = options;
  if (vocabSize !== undefined) {
    if (!Number.isInteger(vocabSize) || vocabSize <= 0) throw new Error(`createModel: vocabSize must be a positive integer, got ${vocabSize}`);
    if (kind === 'lm') (config as TextConfig).vocabSize = vocabSize;
    else if (kind === 'vlm') (config as VisionLanguageModelConfig).lm.vocabSize = vocabSize;
    else (config as DualEncoderConfig).text.vocabSize = vocabSize;
  }
  let model: Module;
  if (kind === 'vlm') model = new VisionLanguageModel(config as VisionLanguageModelConfig, { seed });
  else if (kind === 'dual-encoder') model = new DualEncoder(config as DualEncoderConfig, { seed });
  else model = new CausalLM(config as TextConfig, { seed });
  return model as ModelByKind[K];
}
