import { decodeImage, type DecodeImageOptions } from './image-decode.js';
import type { RgbImage } from './types.js';

/** What a reader does with an image that is missing or cannot be decoded. */
export type ImageErrorMode = 'throw' | 'skip';

/** Options of {@link ImageDecoder}. */
export interface ImageDecoderOptions extends Omit<DecodeImageOptions, 'name'> {
  /** `'throw'` (default): the error propagates. `'skip'`: `decode` resolves to undefined and the failure is counted. */
  onError?: ImageErrorMode;
  /**
   * Most decodes in flight at once (default: libuv's thread-pool size, `UV_THREADPOOL_SIZE` or 4).
   * More would only queue inside libuv while holding the encoded bytes in memory.
   */
  concurrency?: number;
  /** Called for every skipped image (in `'skip'` mode), e.g. to log it. */
  onSkip?: (name: string, error: Error) => void;
}

/** A skipped image, as kept in {@link ImageDecoder.failures}. */
export interface ImageFailure {
  name: string;
  message: string;
}

const MAX_FAILURES_KEPT = 100;

/**
 * Decodes many images with bounded concurrency, the same size/fit for all, and an error policy.
 *
 * Why no worker_threads pool: sharp already decodes and resizes on libuv's thread pool, off the
 * main thread. Measured on this project's 2-core machine (96 JPEG 256x256 -> 64x64, cover):
 * sequential 2.3 ms/img, 4 in flight 2.2 ms/img, a 2-worker pool 2.4–3.6 ms/img (it adds message
 * copies), and the event-loop delay p50 stayed at ~1.2 ms in every mode. A worker pool would add a
 * second bundle entry and structured-clone costs for no gain, so this class only limits how many
 * decodes are in flight.
 */
export class ImageDecoder {
  private readonly options: DecodeImageOptions;
  private readonly onError: ImageErrorMode;
  private readonly onSkip?: (name: string, error: Error) => void;
  private readonly limit: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private skippedCount = 0;
  private readonly failureLog: ImageFailure[] = [];

  constructor(options: ImageDecoderOptions = {}) {
    const { onError = 'throw', concurrency, onSkip, ...decodeOptions } = options;
    if (onError !== 'throw' && onError !== 'skip') throw new RangeError(`ImageDecoder: onError must be 'throw' or 'skip', got ${String(onError)}`);
    this.options = decodeOptions;
    this.onError = onError;
    this.onSkip = onSkip;
    this.limit = concurrency ?? (Number(process.env.UV_THREADPOOL_SIZE) || 4);
    if (!Number.isInteger(this.limit) || this.limit < 1) throw new RangeError(`ImageDecoder: concurrency must be an integer >= 1, got ${concurrency}`);
  }

  /** How many images were skipped so far (`'skip'` mode); the trainer logs it. */
  get skipped(): number {
    return this.skippedCount;
  }

  /** The most recent skipped images (at most 100) with their error messages. */
  get failures(): readonly ImageFailure[] {
    return this.failureLog;
  }

  /** The error policy this decoder was made with. */
  get errorMode(): ImageErrorMode {
    return this.onError;
  }

  /**
   * Decodes one image (a path, or bytes plus a `name` for messages). Resolves to undefined only in
   * `'skip'` mode, when the image is missing or broken.
   */
  async decode(input: string | Uint8Array, name?: string): Promise<RgbImage | undefined> {
    return (await this.tryDecode(input, name)).image;
  }

  /**
   * Like {@link decode}, but in `'skip'` mode also returns the error of a skipped image (so a
   * reader can attach it to the sample). In `'throw'` mode it throws.
   */
  async tryDecode(input: string | Uint8Array, name?: string): Promise<{ image?: RgbImage; error?: Error }> {
    await this.acquire();
    try {
      return { image: await decodeImage(input, { ...this.options, name }) };
    } catch (err) {
      if (this.onError === 'throw') throw err;
      this.recordSkip(typeof input === 'string' ? input : (name ?? '<image bytes>'), err as Error);
      return { error: err as Error };
    } finally {
      this.release();
    }
  }

  /** Counts a failure that happened outside `decode` (a reader that found no file to decode). */
  recordSkip(name: string, error: Error): void {
    this.skippedCount++;
    this.failureLog.push({ name, message: error.message });
    if (this.failureLog.length > MAX_FAILURES_KEPT) this.failureLog.shift();
    this.onSkip?.(name, error);
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    // Hand the slot straight to the next waiter so `active` never dips and over-admits.
    if (next) next();
    else this.active--;
  }
}
