import { shardIndices, shuffledIndices } from './sampling.js';
import { isSkippedSample } from './skipped-sample.js';
import type { Dataset, Sample, StreamingDataset } from './types.js';

/** Options of {@link BatchStream}. */
export interface BatchStreamOptions {
  /** Samples per batch. */
  batchSize: number;
  /** Seed of the per-epoch shuffle (default 0). Restoring a state made with another seed is refused. */
  seed?: number;
  /** Shuffle a random-access dataset each epoch (default true). Streaming datasets shuffle themselves. */
  shuffle?: boolean;
  /** Drop an epoch's last, smaller batch (default false). */
  dropLast?: boolean;
  /** Data-parallel split of a random-access dataset (PyTorch DistributedSampler padding); default rank 0 of 1. */
  rank?: number;
  worldSize?: number;
  /** Drop samples whose image was skipped (`imageError`, see `isSkippedSample`) and count them (default true). */
  dropSkipped?: boolean;
  /** Load this many batches ahead in the background (default 0). State still tracks returned batches only. */
  prefetch?: number;
}

/**
 * A {@link BatchStream} position, JSON-serialisable for checkpoints. `offset` counts samples of
 * `epoch` already consumed (for a random-access dataset: positions in the epoch's order, after the
 * rank split), including dropped (skipped) ones.
 */
export interface BatchStreamState {
  version: 1;
  kind: 'dataset' | 'streaming';
  epoch: number;
  offset: number;
  seed: number;
  /** Samples dropped so far because their image was missing or broken. */
  skipped: number;
}

interface Position {
  epoch: number;
  offset: number;
  skipped: number;
}

interface Produced<S> {
  batch: S[];
  next: Position;
}

type SkippableStream<S extends Sample> = StreamingDataset<S> & {
  supportsSkip?: boolean;
  iterate(epoch: number, options?: { skip?: number }): AsyncIterable<S>;
};

function isStreaming<S extends Sample>(d: Dataset<S> | StreamingDataset<S>): d is StreamingDataset<S> {
  return typeof (d as StreamingDataset<S>).iterate === 'function' && typeof (d as Dataset<S>).get !== 'function';
}

/**
 * An endless iterator of batches over a {@link Dataset} (seeded shuffle per epoch, optional rank
 * split) or a {@link StreamingDataset} (its own order per epoch). Its position can be saved with
 * {@link state} and restored exactly with {@link restore}, so a resumed run sees the same batches
 * as an uninterrupted one. Batches never span two epochs.
 *
 * @example
 * const stream = new BatchStream(dataset, { batchSize: 32, seed: 1 });
 * const batch = await stream.next();
 * checkpoint.data = stream.state();
 * // later: stream.restore(checkpoint.data)
 */
export class BatchStream<S extends Sample = Sample> {
  private readonly batchSize: number;
  private readonly seed: number;
  private readonly shuffle: boolean;
  private readonly dropLast: boolean;
  private readonly rank: number;
  private readonly worldSize: number;
  private readonly dropSkipped: boolean;
  private readonly prefetch: number;
  private readonly streaming: boolean;
  /** Position after the last batch returned by `next`. */
  private position: Position = { epoch: 0, offset: 0, skipped: 0 };
  /** Batches being loaded ahead, in order; each starts where the previous ends. */
  private queue: Promise<Produced<S>>[] = [];
  private generation = 0;
  private orderCache?: { epoch: number; order: number[] };
  private reader?: { epoch: number; offset: number; iterator: AsyncIterator<S>; generation: number };

  constructor(
    readonly dataset: Dataset<S> | StreamingDataset<S>,
    options: BatchStreamOptions,
  ) {
    const int = (v: number | undefined, fallback: number, name: string, min: number) => {
      const x = v ?? fallback;
      if (!Number.isInteger(x) || x < min) throw new RangeError(`BatchStream: ${name} must be an integer >= ${min}, got ${v}`);
      return x;
    };
    this.batchSize = int(options.batchSize, 0, 'batchSize', 1);
    this.seed = int(options.seed, 0, 'seed', Number.MIN_SAFE_INTEGER);
    this.worldSize = int(options.worldSize, 1, 'worldSize', 1);
    this.rank = int(options.rank, 0, 'rank', 0);
    if (this.rank >= this.worldSize) throw new RangeError(`BatchStream: rank ${this.rank} must be < worldSize ${this.worldSize}`);
    this.prefetch = int(options.prefetch, 0, 'prefetch', 0);
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
    this.dropSkipped = options.dropSkipped ?? true;
    this.streaming = isStreaming(dataset);
    if (this.streaming && this.worldSize > 1) {
      throw new Error('BatchStream: split a streaming dataset by rank in the dataset itself (e.g. webDataset({ rank, worldSize }))');
    }
  }

  /** The epoch of the next batch. */
  get epoch(): number {
    return this.position.epoch;
  }

  /** Samples dropped so far because their image was missing or broken (log it). */
  get skipped(): number {
    return this.position.skipped;
  }

  /** Batches per epoch for a random-access dataset (an upper bound when samples get dropped); undefined when streaming. */
  get batchesPerEpoch(): number | undefined {
    if (this.streaming) return undefined;
    const n = this.epochOrder(this.position.epoch).length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The next batch (`batchSize` samples, fewer only for an epoch's last batch without `dropLast`). */
  async next(): Promise<S[]> {
    if (this.queue.length === 0) this.enqueue();
    const produced = await this.queue.shift()!;
    this.position = produced.next;
    while (this.queue.length < this.prefetch) this.enqueue();
    return produced.batch;
  }

  /** The position after the last returned batch (call between `next` calls). */
  state(): BatchStreamState {
    const p = this.position;
    return { version: 1, kind: this.streaming ? 'streaming' : 'dataset', epoch: p.epoch, offset: p.offset, seed: this.seed, skipped: p.skipped };
  }

  /** Continues from a saved {@link state}: the next batch is the one that followed it. */
  restore(state: BatchStreamState): void {
    const kind = this.streaming ? 'streaming' : 'dataset';
    if (!state || state.version !== 1) throw new Error(`BatchStream.restore: unsupported state ${JSON.stringify(state)}`);
    if (state.kind !== kind) throw new Error(`BatchStream.restore: state is for a ${state.kind} dataset, this stream reads a ${kind} dataset`);
    if (state.seed !== this.seed) throw new Error(`BatchStream.restore: state was saved with seed ${state.seed}, this stream uses seed ${this.seed}`);
    if (!Number.isInteger(state.epoch) || state.epoch < 0 || !Number.isInteger(state.offset) || state.offset < 0) {
      throw new Error(`BatchStream.restore: bad position epoch=${state.epoch} offset=${state.offset}`);
    }
    this.generation++;
    this.queue = [];
    this.reader = undefined;
    this.position = { epoch: state.epoch, offset: state.offset, skipped: state.skipped ?? 0 };
  }

  private enqueue(): void {
    const previous = this.queue[this.queue.length - 1];
    const start = this.position;
    const generation = this.generation;
    // Each load starts where the one before it ends (streaming readers are sequential anyway).
    const load = (async (): Promise<Produced<S>> => {
      const from = previous ? (await previous).next : start;
      return this.streaming ? this.produceStreaming(from, generation) : this.produceDataset(from);
    })();
    load.catch(() => undefined); // surfaced by `next`; a load dropped by `restore` must not warn
    this.queue.push(load);
  }

  private epochOrder(epoch: number): number[] {
    if (this.orderCache?.epoch === epoch) return this.orderCache.order;
    const ds = this.dataset as Dataset<S>;
    const base = this.shuffle ? shuffledIndices(ds.length, this.seed, epoch) : Array.from({ length: ds.length }, (_, i) => i);
    const order = this.worldSize > 1 ? shardIndices(base, this.rank, this.worldSize) : base;
    this.orderCache = { epoch, order };
    return order;
  }

  private noFullBatch(epoch: number, usable: number): Error {
    return new Error(
      `BatchStream: ${this.dataset.source} gave no ${this.dropLast ? 'full ' : ''}batch in a whole epoch ` +
        `(epoch ${epoch}: ${usable} usable samples, batchSize ${this.batchSize}${this.dropLast ? ', dropLast' : ''})`,
    );
  }

  private async produceDataset(from: Position): Promise<Produced<S>> {
    const ds = this.dataset as Dataset<S>;
    let { epoch, offset, skipped } = from;
    let batch: S[] = [];
    let epochStartedHere = offset === 0;
    let usableThisEpoch = 0;
    for (;;) {
      const order = this.epochOrder(epoch);
      while (batch.length < this.batchSize && offset < order.length) {
        const ids = order.slice(offset, offset + this.batchSize - batch.length);
        offset += ids.length;
        const samples = await Promise.all(ids.map((i) => ds.get(i)));
        for (const s of samples) {
          if (this.dropSkipped && isSkippedSample(s)) skipped++;
          else batch.push(s);
        }
      }
      usableThisEpoch += batch.length;
      if (batch.length === this.batchSize || (batch.length > 0 && !this.dropLast)) {
        const next = offset >= order.length ? { epoch: epoch + 1, offset: 0, skipped } : { epoch, offset, skipped };
        return { batch, next };
      }
      if (epochStartedHere) throw this.noFullBatch(epoch, usableThisEpoch);
      batch = [];
      epoch++;
      offset = 0;
      epochStartedHere = true;
      usableThisEpoch = 0;
    }
  }

  private iteratorAt(epoch: number, offset: number, generation: number): { iterator: AsyncIterator<S>; skipLeft: number } {
    if (generation !== this.generation) throw new Error('BatchStream: load cancelled by restore');
    const r = this.reader;
    if (r && r.epoch === epoch && r.offset === offset && r.generation === generation) return { iterator: r.iterator, skipLeft: 0 };
    void r?.iterator.return?.();
    const ds = this.dataset as SkippableStream<S>;
    if (ds.supportsSkip && offset > 0) {
      const iterator = ds.iterate(epoch, { skip: offset })[Symbol.asyncIterator]();
      this.reader = { epoch, offset, iterator, generation };
      return { iterator, skipLeft: 0 };
    }
    const iterator = ds.iterate(epoch)[Symbol.asyncIterator]();
    this.reader = { epoch, offset: 0, iterator, generation };
    return { iterator, skipLeft: offset };
  }

  private async produceStreaming(from: Position, generation: number): Promise<Produced<S>> {
    let { epoch, offset, skipped } = from;
    let batch: S[] = [];
    let epochStartedHere = offset === 0;
    let usableThisEpoch = 0;
    let { iterator, skipLeft } = this.iteratorAt(epoch, offset, generation);
    // Re-iterating to resume: consume and discard what the saved position had already seen.
    for (; skipLeft > 0; skipLeft--) {
      const r = await iterator.next();
      if (r.done) throw new Error(`BatchStream.restore: ${this.dataset.source} epoch ${epoch} has fewer than ${offset} samples`);
    }
    for (;;) {
      const r = await iterator.next();
      // A load made stale by `restore` must not touch the new reader.
      if (generation !== this.generation) throw new Error('BatchStream: load cancelled by restore');
      if (r.done) {
        usableThisEpoch += batch.length;
        if (batch.length > 0 && !this.dropLast) {
          this.reader = undefined;
          return { batch, next: { epoch: epoch + 1, offset: 0, skipped } };
        }
        if (epochStartedHere) throw this.noFullBatch(epoch, usableThisEpoch);
        batch = [];
        epoch++;
        offset = 0;
        epochStartedHere = true;
        usableThisEpoch = 0;
        ({ iterator } = this.iteratorAt(epoch, 0, generation));
        continue;
      }
      offset++;
      if (this.dropSkipped && isSkippedSample(r.value)) skipped++;
      else batch.push(r.value);
      if (batch.length === this.batchSize) {
        this.reader = { epoch, offset, iterator, generation };
        return { batch, next: { epoch, offset, skipped } };
      }
    }
  }
}
