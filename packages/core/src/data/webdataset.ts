import type { ImageDecoder } from './image-decoder.js';
import { readerDecoder, type ReaderImageOptions } from './sample-images.js';
import { SeededRandom, deriveSeed } from './seeded-random.js';
import { expandShardPattern, readShard, type ShardRecord } from './webdataset-shards.js';
import type { Sample, StreamingDataset } from './types.js';

/** Options of {@link webDataset}. */
export interface WebDatasetOptions extends Omit<ReaderImageOptions, 'imageRoot'> {
  /** Base seed of shard and sample shuffling (default 0). */
  seed?: number;
  /** Size of the sample shuffle buffer; 0 (default) keeps shard order. */
  shuffle?: number;
  /** Shuffle the shard order each epoch (default: true when `shuffle > 0`). */
  shuffleShards?: boolean;
  /** This process's rank and the number of processes (data parallel); default 0 of 1. */
  rank?: number;
  worldSize?: number;
  /** This loader worker within the process and the number of workers; default 0 of 1. */
  workerId?: number;
  numWorkers?: number;
  /**
   * Sample shards with replacement, forever (seeded by seed, epoch, rank and worker): every
   * worker sees the whole shard list, so any number of workers works with any number of shards.
   * Use `samplesPerEpoch` to give such an epoch an end.
   */
  resampled?: boolean;
  /** Stop an epoch after this many samples (per worker). Default: the end of the shards (never, when resampled). */
  samplesPerEpoch?: number;
  /** Image decodes kept in flight ahead of the consumer (default 4). */
  decodeAhead?: number;
}

/** A WebDataset sample. `id` is the key; `.txt` -> `captions`, `.json` fields merged, `.cls` -> `label`. */
export interface WebDatasetSample extends Sample {
  id: string;
  meta: { shard: string; key: string };
  /** Members that are neither the image, `.txt`, `.json` nor `.cls`, as raw bytes by extension. */
  files?: Record<string, Uint8Array>;
  label?: number;
}

/** Options for one pass; see {@link WebDataset.iterate}. */
export interface WebDatasetIterateOptions {
  /** Skip the first `skip` samples of the epoch without decoding them (exact resume). */
  skip?: number;
}

const IMAGE_EXTS = ['jpg', 'jpeg', 'png', 'webp'];

function intOption(value: number | undefined, fallback: number, name: string, min: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`webDataset: ${name} must be an integer >= ${min}, got ${value}`);
  return v;
}

/**
 * WebDataset tar shards as a {@link StreamingDataset}: shards are streamed (never loaded whole),
 * members grouped into samples by key, shards split between ranks and workers, samples shuffled
 * through a seeded buffer. The same (seed, epoch, rank, worker) gives the same sample order.
 */
export class WebDataset implements StreamingDataset<WebDatasetSample> {
  /** {@link BatchStream} may pass `{ skip }` to `iterate` to resume without decoding skipped samples. */
  readonly supportsSkip = true;
  readonly shards: readonly string[];
  private readonly decoder: ImageDecoder | undefined;
  private readonly seed: number;
  private readonly bufferSize: number;
  private readonly shuffleShards: boolean;
  private readonly rank: number;
  private readonly worldSize: number;
  private readonly workerId: number;
  private readonly numWorkers: number;
  private readonly decodeAhead: number;

  /** @internal use {@link webDataset}. */
  constructor(
    readonly source: string,
    shards: string[],
    private readonly options: WebDatasetOptions,
  ) {
    this.shards = shards;
    this.seed = intOption(options.seed, 0, 'seed', Number.MIN_SAFE_INTEGER);
    this.bufferSize = intOption(options.shuffle, 0, 'shuffle', 0);
    this.shuffleShards = options.shuffleShards ?? this.bufferSize > 0;
    this.worldSize = intOption(options.worldSize, 1, 'worldSize', 1);
    this.numWorkers = intOption(options.numWorkers, 1, 'numWorkers', 1);
    this.rank = intOption(options.rank, 0, 'rank', 0);
    this.workerId = intOption(options.workerId, 0, 'workerId', 0);
    this.decodeAhead = intOption(options.decodeAhead, 4, 'decodeAhead', 1);
    if (options.samplesPerEpoch !== undefined) intOption(options.samplesPerEpoch, 0, 'samplesPerEpoch', 1);
    if (this.rank >= this.worldSize) throw new RangeError(`webDataset: rank ${this.rank} must be < worldSize ${this.worldSize}`);
    if (this.workerId >= this.numWorkers) throw new RangeError(`webDataset: workerId ${this.workerId} must be < numWorkers ${this.numWorkers}`);
    const splits = this.worldSize * this.numWorkers;
    if (!options.resampled && shards.length < splits) {
      throw new Error(
        `webDataset ${source}: ${shards.length} shard(s) cannot be split over ${splits} workers (worldSize ${this.worldSize} x numWorkers ${this.numWorkers}); ` +
          'use more shards, fewer workers, or resampled: true',
      );
    }
    this.decoder = readerDecoder(options);
  }

  /** Images skipped so far (`onError: 'skip'`). */
  get skippedImages(): number {
    return this.decoder?.skipped ?? 0;
  }

  /** The shards this rank/worker reads in `epoch` (non-resampled mode), in reading order. */
  shardsFor(epoch: number): string[] {
    const order = this.shards.slice();
    // Same permutation on every rank and worker (seeded by epoch only), so the split stays disjoint.
    if (this.shuffleShards) new SeededRandom(deriveSeed(this.seed, epoch, 0x5a4d)).shuffle(order);
    const splits = this.worldSize * this.numWorkers;
    const me = this.rank * this.numWorkers + this.workerId;
    return order.filter((_, i) => i % splits === me);
  }

  /** Iterates this rank/worker's samples of `epoch`. */
  async *iterate(epoch: number, options: WebDatasetIterateOptions = {}): AsyncGenerator<WebDatasetSample> {
    let skip = options.skip ?? 0;
    const limit = this.options.samplesPerEpoch ?? Infinity;
    let produced = 0;
    const pending: Promise<WebDatasetSample>[] = [];
    for await (const record of this.shuffled(epoch)) {
      if (produced + pending.length >= limit) break;
      if (skip > 0) {
        skip--;
        produced++;
        continue;
      }
      const p = this.toSample(record);
      p.catch(() => undefined); // rejection is observed when this promise's turn comes
      pending.push(p);
      if (pending.length >= this.decodeAhead) {
        yield await pending.shift()!;
        produced++;
      }
    }
    while (pending.length > 0) yield await pending.shift()!;
  }

  private async *records(epoch: number): AsyncGenerator<ShardRecord> {
    if (!this.options.resampled) {
      for (const shard of this.shardsFor(epoch)) yield* readShard(shard);
      return;
    }
    const rng = new SeededRandom(deriveSeed(this.seed, epoch, this.rank, this.workerId, 0x7e5a));
    for (;;) yield* readShard(this.shards[rng.int(this.shards.length)]);
  }

  private async *shuffled(epoch: number): AsyncGenerator<ShardRecord> {
    if (this.bufferSize <= 1) {
      yield* this.records(epoch);
      return;
    }
    const rng = new SeededRandom(deriveSeed(this.seed, epoch, this.rank, this.workerId, 0xb0f));
    const buffer: ShardRecord[] = [];
    for await (const record of this.records(epoch)) {
      if (buffer.length < this.bufferSize) {
        buffer.push(record);
        continue;
      }
      const j = rng.int(buffer.length);
      const out = buffer[j];
      buffer[j] = record;
      yield out;
    }
    rng.shuffle(buffer);
    yield* buffer;
  }

  private async toSample(record: ShardRecord): Promise<WebDatasetSample> {
    const where = `${record.shard}:${record.key}`;
    const sample: WebDatasetSample = { id: record.key, meta: { shard: record.shard, key: record.key } };
    const files: Record<string, Uint8Array> = {};
    let imageExt: string | undefined;
    for (const [ext, bytes] of Object.entries(record.files)) {
      if (ext === 'json') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
        } catch (err) {
          throw new Error(`WebDataset ${where}.json: malformed JSON (${(err as Error).message})`, { cause: err });
        }
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
          const { caption, ...fields } = parsed as Record<string, unknown>;
          Object.assign(sample, fields);
          if (typeof caption === 'string' && sample.captions === undefined) sample.captions = [caption];
        } else {
          sample.json = parsed;
        }
      } else if (ext === 'txt') {
        sample.captions = [Buffer.from(bytes).toString('utf8').trim()];
      } else if (ext === 'cls') {
        const label = Number(Buffer.from(bytes).toString('utf8').trim());
        if (!Number.isFinite(label)) throw new Error(`WebDataset ${where}.cls: expected a number`);
        sample.label = label;
      } else if (imageExt === undefined && IMAGE_EXTS.includes(ext)) {
        imageExt = ext;
      } else {
        files[ext] = bytes;
      }
    }
    // The key is the sample's identity even when the .json carries its own id/meta.
    sample.id = record.key;
    sample.meta = { shard: record.shard, key: record.key };
    if (imageExt) {
      const bytes = record.files[imageExt];
      if (!this.decoder) {
        files[imageExt] = bytes;
      } else {
        const { image, error } = await this.decoder.tryDecode(bytes, `${where}.${imageExt}`);
        if (image) sample.image = image;
        else sample.imageError = error?.message ?? `cannot decode ${where}.${imageExt}`;
      }
    }
    if (Object.keys(files).length > 0) sample.files = files;
    return sample;
  }
}

/**
 * Opens WebDataset shards: `webDataset('data/shard-{000..009}.tar', { shuffle: 1000, seed: 1, rank, worldSize })`.
 * Local paths only (`.tar`, `.tar.gz`, `.tgz`). A missing or truncated shard fails with its name
 * when the iteration reaches it.
 */
export function webDataset(pattern: string | readonly string[], options: WebDatasetOptions = {}): WebDataset {
  const shards = expandShardPattern(pattern);
  return new WebDataset(typeof pattern === 'string' ? pattern : pattern.join(','), shards, options);
}
