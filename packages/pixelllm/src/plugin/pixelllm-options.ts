import type { PointHeadOptions } from '../head/point-head.js';
import type { LocationPromptEncoderOptions } from '../prompt/location-prompt-encoder.js';

/** Options of the `pixelllm` plugin. Every field is optional. */
export interface PixelLlmOptions {
  /** Longest text in tokens, BOS and EOS included. Default 32. */
  maxLength?: number;
  /**
   * Weight of the point loss relative to the caption cross-entropy, in the units of
   * `pointUnits`. Default 0.1 with pixel units: PixelLLM's `point_loss_weight` (its points are in
   * pixels of the network input). With `pointUnits: 'normalized'` the same objective needs
   * `0.1 × imageSize` (6.4 for 64-px images).
   */
  pointLossWeight?: number;
  /**
   * Point-loss weight on the referring rows only (their single supervised token), when it should
   * differ from `pointLossWeight`: a small dense weight protects captioning while referring boxes
   * still get a strong signal. Default: `pointLossWeight`.
   */
  referringPointLossWeight?: number;
  /** Units the point loss is computed in: `'pixels'` (default; normalised × image size) or `'normalized'`. */
  pointUnits?: 'pixels' | 'normalized';
  /**
   * Fraction of each batch's rows that are location-conditioned captioning: one of the sample's
   * objects (from `locationPrompts`) is the box prompt and its description the target. Default 0.25.
   */
  locationFraction?: number;
  /**
   * Fraction of rows that are referring localisation (`"where is <expression>"`, point loss on the
   * last token only, no caption loss). Default 0.25; 0 disables. The rest of the rows are dense
   * word-grounded captioning (whole-image prompt, `captions[0]`, per-word box targets).
   */
  referringFraction?: number;
  /** Words before a referring expression. Default `'where is'`. */
  referringPrompt?: string;
  /**
   * How the tasks share a batch. `'share'` (default): each sample gives ONE row, drawn as above, so
   * only `1 - locationFraction - referringFraction` of the rows are dense captions. `'extra'`: each
   * sample always gives its dense caption row, and location / referring rows are added on top with
   * those probabilities (more rows per step, about `1 + locationFraction + referringFraction` times
   * the compute); captioning then sees as many captions as captioning alone, which is what keeps
   * its cross-entropy at the captioning-alone level (measured in the README).
   */
  taskRows?: 'share' | 'extra';
  /** Point head options (hidden width, depth, seed, and `readout`: `'mlp'` or `'visual-attention'`). */
  head?: PointHeadOptions;
  /** Location prompt encoder options. */
  promptEncoder?: LocationPromptEncoderOptions;
  /** Evaluation settings. */
  eval?: {
    /** Eval images used per hook. Default 64. */
    maxSamples?: number;
    /** Rows per eval forward. Default 16. */
    batchSize?: number;
    /** Most generated tokens for location-conditioned captions. Default 8. */
    maxNewTokens?: number;
  };
}

/** {@link PixelLlmOptions} with defaults filled in. */
export interface ResolvedPixelLlmOptions {
  maxLength: number;
  pointLossWeight: number;
  referringPointLossWeight: number;
  pointUnits: 'pixels' | 'normalized';
  locationFraction: number;
  referringFraction: number;
  referringPrompt: string;
  taskRows: 'share' | 'extra';
  head: PointHeadOptions;
  promptEncoder: LocationPromptEncoderOptions;
  eval: { maxSamples: number; batchSize: number; maxNewTokens: number };
}

function fail(field: string, want: string, got: unknown): never {
  throw new Error(`pixelllm: option "${field}" must be ${want}, got ${JSON.stringify(got)}`);
}

/** Fills defaults and validates, naming the field at fault. */
export function resolvePixelLlmOptions(options: PixelLlmOptions = {}): ResolvedPixelLlmOptions {
  if (!options || typeof options !== 'object') fail('(options)', 'an object', options);
  const known = new Set(['maxLength', 'pointLossWeight', 'referringPointLossWeight', 'pointUnits', 'locationFraction', 'referringFraction', 'referringPrompt', 'taskRows', 'head', 'promptEncoder', 'eval']);
  for (const k of Object.keys(options)) if (!known.has(k)) fail(k, `one of the known options (${[...known].join(', ')})`, k);
  const o: ResolvedPixelLlmOptions = {
    maxLength: options.maxLength ?? 32,
    pointLossWeight: options.pointLossWeight ?? 0.1,
    referringPointLossWeight: options.referringPointLossWeight ?? options.pointLossWeight ?? 0.1,
    pointUnits: options.pointUnits ?? 'pixels',
    locationFraction: options.locationFraction ?? 0.25,
    referringFraction: options.referringFraction ?? 0.25,
    referringPrompt: options.referringPrompt ?? 'where is',
    taskRows: options.taskRows ?? 'share',
    head: options.head ?? {},
    promptEncoder: options.promptEncoder ?? {},
    eval: { maxSamples: options.eval?.maxSamples ?? 64, batchSize: options.eval?.batchSize ?? 16, maxNewTokens: options.eval?.maxNewTokens ?? 8 },
  };
  if (!Number.isInteger(o.maxLength) || o.maxLength < 3) fail('maxLength', 'an integer >= 3', o.maxLength);
  if (!(o.pointLossWeight >= 0) || !Number.isFinite(o.pointLossWeight)) fail('pointLossWeight', 'a finite number >= 0', o.pointLossWeight);
  if (!(o.referringPointLossWeight >= 0) || !Number.isFinite(o.referringPointLossWeight)) fail('referringPointLossWeight', 'a finite number >= 0', o.referringPointLossWeight);
  if (o.pointUnits !== 'pixels' && o.pointUnits !== 'normalized') fail('pointUnits', "'pixels' or 'normalized'", o.pointUnits);
  for (const k of ['locationFraction', 'referringFraction'] as const) if (!(o[k] >= 0 && o[k] <= 1)) fail(k, 'a number in [0, 1]', o[k]);
  // Only one task per sample in 'share' mode; in 'extra' mode the two are independent probabilities.
  if (o.taskRows === 'share' && o.locationFraction + o.referringFraction > 1) {
    fail('locationFraction + referringFraction', "at most 1 with taskRows 'share'", o.locationFraction + o.referringFraction);
  }
  if (typeof o.referringPrompt !== 'string') fail('referringPrompt', 'a string', o.referringPrompt);
  if (o.taskRows !== 'share' && o.taskRows !== 'extra') fail('taskRows', "'share' or 'extra'", o.taskRows);
  for (const k of ['maxSamples', 'batchSize', 'maxNewTokens'] as const) if (!Number.isInteger(o.eval[k]) || o.eval[k] < 1) fail(`eval.${k}`, 'an integer >= 1', o.eval[k]);
  return o;
}
