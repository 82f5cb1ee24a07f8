import { PAIR_AUGMENTATIONS, type PairAugmentation } from './augment-for-pairs.js';

/**
 * The `pairs` block of the seva plugin's options in a config file, read by `vlalign seva pairs`
 * ({@link runSevaPairs}). Paths resolve against the config's folder.
 *
 * ```yaml
 * plugins:
 *   - use: seva
 *     options:
 *       pairs: { out: ../runs/seva-pairs/pairs.jsonl, augmentation: diffusion, t: 500, limit: 1000 }
 * ```
 */
export interface SevaPairsConfig {
  /** The JSONL to write (required). */
  out: string;
  /** `'caption'` (default), `'questions'`, `'mixed'` (caption + questions) or a fixed prompt text; see `makePreferencePairs`. */
  prompt?: string;
  questionsPerImage?: number;
  augmentation?: PairAugmentation;
  t?: number;
  questionT?: number;
  cropScale?: number;
  seed?: number;
  maxNewTokens?: number;
  questionMaxNewTokens?: number;
  batchSize?: number;
  /** Use only the first `limit` images of the source. */
  limit?: number;
  resume?: boolean;
  /** The source images, as a config data source; default: the config's `data.train`. */
  data?: Record<string, unknown>;
}

const INT_FIELDS = ['questionsPerImage', 't', 'questionT', 'seed', 'maxNewTokens', 'questionMaxNewTokens', 'batchSize', 'limit'] as const;

/** Validates a `pairs` block, naming the field at fault. */
export function parseSevaPairsConfig(raw: unknown, where: string): SevaPairsConfig {
  const fail = (m: string) => new Error(`${where}: ${m}`);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw fail('expected an object { out, augmentation?, t?, prompt?, limit?, ... }');
  const r = raw as Record<string, unknown>;
  const known = new Set(['out', 'prompt', 'questionsPerImage', 'augmentation', 't', 'questionT', 'cropScale', 'seed', 'maxNewTokens', 'questionMaxNewTokens', 'batchSize', 'limit', 'resume', 'data']);
  for (const k of Object.keys(r)) if (!known.has(k)) throw fail(`unknown field "${k}" (known: ${[...known].join(', ')})`);
  if (typeof r.out !== 'string' || r.out === '') throw fail('"out" must be the path of the pairs JSONL to write');
  if (r.prompt !== undefined && typeof r.prompt !== 'string') throw fail('"prompt" must be caption, questions, mixed or a prompt text');
  if (r.augmentation !== undefined && !PAIR_AUGMENTATIONS.includes(r.augmentation as PairAugmentation)) throw fail(`"augmentation" must be one of ${PAIR_AUGMENTATIONS.join(', ')}; got ${JSON.stringify(r.augmentation)}`);
  for (const k of INT_FIELDS) if (r[k] !== undefined && !Number.isInteger(r[k])) throw fail(`"${k}" must be an integer; got ${JSON.stringify(r[k])}`);
  if (r.cropScale !== undefined && typeof r.cropScale !== 'number') throw fail('"cropScale" must be a number in (0, 1]');
  if (r.resume !== undefined && typeof r.resume !== 'boolean') throw fail('"resume" must be true or false');
  if (r.data !== undefined && (typeof r.data !== 'object' || r.data === null)) throw fail('"data" must be a data source like data.train');
  return r as unknown as SevaPairsConfig;
}
