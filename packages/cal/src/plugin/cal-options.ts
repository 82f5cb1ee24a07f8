/** Options of the `cal()` plugin. Every field is optional; defaults follow the CAL paper's code. */
export interface CalOptions {
  /**
   * Sample field with the text to train on: a caption string, an array of captions (element
   * `index`), or an object `{ text, tokens?, isVisual?, isFiller? }` such as the shapes world's
   * `fillerCaption` (then `text` is trained on and the flags feed `cal/weight_visual` /
   * `cal/weight_filler`). Default `'captions'`.
   */
  field?: 'captions' | 'fillerCaption' | (string & {});
  /** Which caption of an array field. Default 0. */
  index?: number;
  /** Lower clamp of the with-minus-without-image logit difference (CAL's alpha). Default 1. */
  min?: number;
  /** Upper clamp (CAL's beta). Default 5. */
  max?: number;
  /** Width of the per-sequence moving average of the clamped weights (odd; 1 = none). Default 3. */
  window?: number;
  /** Longest caption in tokens, BOS and EOS included (longer ones are cut). Default 32. */
  maxLength?: number;
  /** Sample field with the reference captions for the eval CIDEr-D. Default `'captions'`. */
  references?: string;
  /** Eval hooks' settings. */
  eval?: {
    /** Evaluate on at most this many eval samples. Default 256. */
    maxSamples?: number;
    /** Samples per eval batch. Default 32. */
    batchSize?: number;
    /** Most tokens per greedy caption. Default `maxLength - 1`. */
    maxNewTokens?: number;
  };
}

/** {@link CalOptions} with defaults filled in. */
export interface ResolvedCalOptions {
  field: string;
  index: number;
  min: number;
  max: number;
  window: number;
  maxLength: number;
  references: string;
  eval: { maxSamples: number; batchSize: number; maxNewTokens: number };
}

function positiveInt(v: unknown, name: string, min = 1): number {
  if (!Number.isInteger(v) || (v as number) < min) throw new Error(`cal: options.${name} must be an integer >= ${min}; got ${JSON.stringify(v)}`);
  return v as number;
}

function finite(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`cal: options.${name} must be a finite number; got ${JSON.stringify(v)}`);
  return v;
}

function text(v: unknown, name: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new Error(`cal: options.${name} must be a non-empty string (a sample field); got ${JSON.stringify(v)}`);
  return v;
}

/** Validates `cal()` options (they may come from a YAML config) and fills in the defaults. */
export function resolveCalOptions(o: CalOptions = {}): ResolvedCalOptions {
  if (o === null || typeof o !== 'object') throw new Error(`cal: options must be an object; got ${JSON.stringify(o)}`);
  const known = new Set(['field', 'index', 'min', 'max', 'window', 'maxLength', 'references', 'eval']);
  const unknown = Object.keys(o).filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`cal: unknown option(s) ${unknown.join(', ')}; expected ${[...known].join(', ')}`);
  const min = finite(o.min ?? 1, 'min');
  const max = finite(o.max ?? 5, 'max');
  if (min > max) throw new Error(`cal: options.min (${min}) must not exceed options.max (${max})`);
  const window = positiveInt(o.window ?? 3, 'window');
  if (window % 2 === 0) throw new Error(`cal: options.window must be odd (a centred average); got ${window}`);
  const maxLength = positiveInt(o.maxLength ?? 32, 'maxLength', 2);
  const e = o.eval ?? {};
  if (e === null || typeof e !== 'object') throw new Error(`cal: options.eval must be an object; got ${JSON.stringify(e)}`);
  return {
    field: text(o.field ?? 'captions', 'field'),
    index: positiveInt(o.index ?? 0, 'index', 0),
    min,
    max,
    window,
    maxLength,
    references: text(o.references ?? 'captions', 'references'),
    eval: {
      maxSamples: positiveInt(e.maxSamples ?? 256, 'eval.maxSamples'),
      batchSize: positiveInt(e.batchSize ?? 32, 'eval.batchSize'),
      maxNewTokens: positiveInt(e.maxNewTokens ?? maxLength - 1, 'eval.maxNewTokens'),
    },
  };
}
