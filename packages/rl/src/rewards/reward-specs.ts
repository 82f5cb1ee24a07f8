import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createShapesWorld, type ShapesWorldOptions, type Tokenizer } from '@vlalign/core';
import { ciderReward } from './cider-reward.js';
import { clipScoreReward } from './clip-score-reward.js';
import { lengthPenalty } from './length-penalty.js';
import { objectPrecisionReward, objectRecallReward } from './object-rewards.js';
import type { RewardFunction, WeightedReward } from './types.js';

/**
 * A built-in reward named in a config file (YAML/JSON), turned into a function by
 * {@link resolveRewardSpecs}:
 *
 * - `{ type: 'cider-d', corpus }`: {@link ciderReward}; `corpus` is `string[][]` or
 *   `{ shapesWorld: { seed, size, split } }` (that world's training references).
 * - `{ type: 'clip-score', model: '<clip run folder>', prefix?, scale?, textMaxLength? }`: {@link clipScoreReward}.
 * - `{ type: 'object-precision' | 'object-recall', field?, emptyPrecision? }`.
 * - `{ type: 'length-penalty', minWords?, maxWords?, perWord?, unfinished? }`.
 * - `{ type: 'module', module: './my-reward.js#export', options? }`: a user reward function
 *   (called with `options` first when they are given, as a factory).
 *
 * Every spec takes `weight` (default 1) and `name` (metric name).
 */
export interface RewardSpec {
  type: 'cider-d' | 'clip-score' | 'object-precision' | 'object-recall' | 'length-penalty' | 'module';
  weight?: number;
  name?: string;
  [option: string]: unknown;
}

/** What {@link resolveRewardSpecs} needs from the run. */
export interface RewardSpecContext {
  tokenizer: Tokenizer;
  /** Folder relative paths resolve against. Default `process.cwd()`. */
  baseDir?: string;
}

function corpusOf(spec: RewardSpec, i: number) {
  const c = spec.corpus as unknown;
  if (Array.isArray(c)) return c as string[][];
  if (c && typeof c === 'object' && 'shapesWorld' in c) {
    const o = (c as { shapesWorld: Partial<ShapesWorldOptions> }).shapesWorld;
    return createShapesWorld({ seed: 0, split: 'train', ...o } as ShapesWorldOptions);
  }
  throw new Error(`rl: rewards[${i}] (cider-d) needs "corpus": the training references as string[][] or { shapesWorld: { seed, size, split: train } } (CIDEr-D's document frequencies come from them)`);
}

async function importReward(spec: RewardSpec, i: number, baseDir: string): Promise<RewardFunction> {
  const ref = spec.module;
  if (typeof ref !== 'string') throw new Error(`rl: rewards[${i}] (module) needs "module": "./file.js#exportName"`);
  const [file, exportName = 'default'] = ref.split('#');
  const mod = (await import(file.startsWith('.') || file.startsWith('/') ? pathToFileURL(resolve(baseDir, file)).href : file)) as Record<string, unknown>;
  const value = mod[exportName];
  if (typeof value !== 'function') throw new Error(`rl: rewards[${i}]: ${file} has no function export "${exportName}"`);
  return spec.options !== undefined ? ((value as (o: unknown) => RewardFunction)(spec.options)) : (value as RewardFunction);
}

/** Turns config reward specs into weighted reward functions (see {@link RewardSpec}). */
export async function resolveRewardSpecs(specs: readonly (RewardSpec | WeightedReward)[], ctx: RewardSpecContext): Promise<WeightedReward[]> {
  const baseDir = ctx.baseDir ?? process.cwd();
  const out: WeightedReward[] = [];
  for (const [i, spec] of specs.entries()) {
    if (typeof (spec as WeightedReward).reward === 'function') {
      out.push(spec as WeightedReward);
      continue;
    }
    const s = spec as RewardSpec;
    const { type, weight, name, ...o } = s;
    let reward: RewardFunction;
    switch (type) {
      case 'cider-d':
        reward = ciderReward({ corpus: corpusOf(s, i), field: o.field as string | undefined });
        break;
      case 'clip-score':
        if (typeof o.model !== 'string') throw new Error(`rl: rewards[${i}] (clip-score) needs "model": the folder of a CLIP run (@vlalign/clip)`);
        reward = clipScoreReward({ ...(o as object), model: resolve(baseDir, o.model), tokenizer: ctx.tokenizer });
        break;
      case 'object-precision':
        reward = objectPrecisionReward(o);
        break;
      case 'object-recall':
        reward = objectRecallReward(o);
        break;
      case 'length-penalty':
        reward = lengthPenalty(o);
        break;
      case 'module':
        reward = await importReward(s, i, baseDir);
        break;
      default:
        throw new Error(`rl: rewards[${i}].type ${JSON.stringify(type)} is not one of cider-d, clip-score, object-precision, object-recall, length-penalty, module`);
    }
    out.push({ reward, weight, name });
  }
  return out;
}
