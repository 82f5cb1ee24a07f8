/**
 * An decoded RGB image, HWC, 8-bit. Models normalise it themselves (see `imagesToTensor`).
 */
export interface RgbImage {
  width: number;
  height: number;
  /** Always 3 (RGB). */
  channels: 3;
  /** `height * width * 3` bytes, row-major, RGB interleaved. */
  data: Uint8Array;
}

/** An axis-aligned box in pixels: `[x0, y0, x1, y1]` (x1/y1 exclusive). */
export type Box = [number, number, number, number];

/**
 * One training or evaluation example. Every reader and the shapes world produce this shape;
 * fields a source lacks are absent. Plugins read the fields they need and must fail with a clear
 * error (naming the field) when it is missing.
 */
export interface Sample {
  /** Stable identifier, unique within its dataset. */
  id: string;
  /** The image, decoded. */
  image?: RgbImage;
  /** Reference captions (first is the training caption). */
  captions?: string[];
  /** Free-form source-specific extras (kept so nothing is lost in conversion). */
  meta?: Record<string, unknown>;
  [field: string]: unknown;
}

/**
 * A random-access dataset. `get` may be async (disk readers decode on demand). Implementations
 * must be deterministic: the same index gives the same sample.
 */
export interface Dataset<S extends Sample = Sample> {
  /** Number of samples. */
  readonly length: number;
  /** Sample `index` (0 <= index < length). */
  get(index: number): S | Promise<S>;
  /** Human-readable origin used in error messages (a path or 'shapes-world(seed=1,split=train)'). */
  readonly source: string;
}

/**
 * A streaming dataset (WebDataset shards, huge manifests). The trainer accepts both kinds.
 */
export interface StreamingDataset<S extends Sample = Sample> {
  /** Iterates the samples of one epoch; `epoch` seeds any shuffling. */
  iterate(epoch: number): AsyncIterable<S>;
  readonly source: string;
}

/** A text tokenizer as used by every model and plugin. */
export interface Tokenizer {
  readonly vocabSize: number;
  readonly padId: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly unkId: number;
  /** Token ids for `text` without special tokens. */
  encode(text: string): number[];
  /** Text for `ids`, skipping special tokens. */
  decode(ids: number[]): string;
  /** Token strings for `text` (same segmentation as `encode`). */
  tokenize(text: string): string[];
  /** Id of a token string, or undefined. */
  tokenToId(token: string): number | undefined;
}
