import { shuffledIndices } from '../data/sampling.js';
import type { Dataset, Sample, StreamingDataset } from '../data/types.js';

/** Where a {@link DataStream} stands; JSON-serialisable for checkpoints. */
export interface DataStreamState {
  /** Current epoch (0-based). */
  epoch: number;
  /** Samples consumed in the current epoch. */
  position: number;
}

/** Options of {@link DataStream}. */
export interface DataStreamOptions {
  /** Seed of the per-epoch shuffle (random-access datasets). */
  seed: number;
  /** Shuffle random-access datasets each epoch. Default true. Streaming datasets shuffle themselves per epoch. */
  shuffle?: boolean;
}

function isStreaming(d: Dataset | StreamingDataset): d is StreamingDataset {
  return typeof (d as StreamingDataset).iterate === 'function';
}

/**
 * An endless, resumable sample stream over a dataset: epochs follow each other, each shuffled by
 * `(seed, epoch)`. Its state (epoch, position) restores the exact same continuation; for streaming
 * datasets restoring re-iterates the epoch and skips `position` samples.
 */
export class DataStream {
  private epoch = 0;
  private position = 0;
  private order: number[] | undefined;
  private iterator: AsyncIterator<Sample> | undefined;
  private readonly shuffle: boolean;
  private readonly seed: number;

  constructor(
    readonly source: Dataset | StreamingDataset,
    options: DataStreamOptions,
  ) {
    this.seed = options.seed;
    this.shuffle = options.shuffle ?? true;
    if (!isStreaming(source)) {
      if (typeof source?.get !== 'function' || !Number.isInteger(source.length)) {
        throw new TypeError(`DataStream: expected a Dataset (length + get) or a StreamingDataset (iterate), got ${source === null ? 'null' : typeof source}`);
      }
      if (source.length === 0) throw new Error(`DataStream: dataset ${source.source} is empty`);
    }
  }

  /** The next `n` samples (crossing epoch boundaries as needed). */
  async next(n: number): Promise<Sample[]> {
    const out: Sample[] = [];
    while (out.length < n) out.push(await this.nextOne());
    return out;
  }

  private async nextOne(): Promise<Sample> {
    const src = this.source;
    if (isStreaming(src)) {
      for (let attempt = 0; attempt < 2; attempt++) {
        this.iterator ??= src.iterate(this.epoch)[Symbol.asyncIterator]();
        const r = await this.iterator.next();
        if (!r.done) {
          this.position++;
          return r.value;
        }
        this.epoch++;
        this.position = 0;
        this.iterator = undefined;
      }
      throw new Error(`DataStream: streaming dataset ${src.source} yielded no samples in epoch ${this.epoch - 1}`);
    }
    if (this.position >= src.length) {
      this.epoch++;
      this.position = 0;
      this.order = undefined;
    }
    this.order ??= this.shuffle ? shuffledIndices(src.length, this.seed, this.epoch) : Array.from({ length: src.length }, (_, i) => i);
    const sample = await src.get(this.order[this.position]);
    this.position++;
    return sample;
  }

  /** The current position. */
  getState(): DataStreamState {
    return { epoch: this.epoch, position: this.position };
  }

  /** Continues from a saved position. */
  async setState(state: DataStreamState): Promise<void> {
    if (!state || !Number.isInteger(state.epoch) || !Number.isInteger(state.position) || state.epoch < 0 || state.position < 0) {
      throw new Error(`DataStream.setState: expected { epoch, position } non-negative integers, got ${JSON.stringify(state)}`);
    }
    this.epoch = state.epoch;
    this.position = 0;
    this.order = undefined;
    this.iterator = undefined;
    if (isStreaming(this.source)) {
      for (let i = 0; i < state.position; i++) await this.nextOne();
    } else {
      this.position = state.position;
    }
  }
}
