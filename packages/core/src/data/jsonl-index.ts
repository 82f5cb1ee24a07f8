import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

/** Options of {@link JsonlIndex.build}. */
export interface JsonlIndexOptions {
  /**
   * Called with every parsed line while the index is built (validation); a throw aborts the build.
   * When absent, lines are only located, not parsed, so indexing a huge file stays cheap.
   */
  onLine?: (value: unknown, lineNumber: number) => void;
}

/** A growable typed array; the index must not hold millions of JS numbers in plain arrays. */
class Grow<T extends Float64Array | Uint32Array> {
  length = 0;
  constructor(public data: T) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new (this.data.constructor as new (n: number) => T)(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
}

function isBlank(buf: Buffer): boolean {
  for (const b of buf) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}

/** Formats "file:line: message" so editors and terminals can jump to the line. */
export function lineError(path: string, lineNumber: number, message: string): Error {
  return new Error(`${path}:${lineNumber}: ${message}`);
}

/**
 * Random access to the lines of a JSON Lines file without loading it: one streaming pass records
 * each non-blank line's byte offset and length; `read(i)` then reads and parses just that line.
 * Line numbers (1-based, counting blank lines) are kept for error messages.
 */
export class JsonlIndex {
  private constructor(
    readonly path: string,
    private readonly offsets: Float64Array,
    private readonly lengths: Uint32Array,
    private readonly lineNumbers: Uint32Array,
  ) {}

  /** Number of non-blank lines. */
  get length(): number {
    return this.offsets.length;
  }

  /** Streams `path` once and builds the index. Malformed JSON is reported only if `onLine` is given. */
  static async build(path: string, options: JsonlIndexOptions = {}): Promise<JsonlIndex> {
    const offsets = new Grow(new Float64Array(1024));
    const lengths = new Grow(new Uint32Array(1024));
    const lines = new Grow(new Uint32Array(1024));
    let lineStart = 0;
    let lineNumber = 1;
    let pending: Buffer[] = [];
    let position = 0;
    const finishLine = (end: number) => {
      const bytes = pending.length === 1 ? pending[0] : Buffer.concat(pending);
      pending = [];
      // A UTF-8 byte-order mark on the first line is not part of the JSON.
      const skipBom = lineNumber === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
      if (!isBlank(bytes)) {
        offsets.push(lineStart + skipBom);
        lengths.push(end - lineStart - skipBom);
        lines.push(lineNumber);
        if (options.onLine) options.onLine(parseLine(path, lineNumber, bytes.subarray(skipBom)), lineNumber);
      }
      lineNumber++;
    };
    let stream;
    try {
      stream = createReadStream(path, { highWaterMark: 1 << 20 });
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        let from = 0;
        for (;;) {
          const nl = chunk.indexOf(0x0a, from);
          if (nl < 0) break;
          pending.push(chunk.subarray(from, nl));
          finishLine(position + nl);
          lineStart = position + nl + 1;
          from = nl + 1;
        }
        if (from < chunk.length) pending.push(chunk.subarray(from));
        position += chunk.length;
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new Error(`File not found: ${path}`, { cause: err });
      if (code) throw new Error(`Cannot read ${path}: ${(err as Error).message}`, { cause: err });
      throw err;
    } finally {
      stream?.destroy();
    }
    if (pending.length) finishLine(position);
    return new JsonlIndex(
      path,
      offsets.data.slice(0, offsets.length),
      lengths.data.slice(0, lengths.length),
      lines.data.slice(0, lines.length),
    );
  }

  /** The 1-based file line number of entry `i`. */
  lineNumber(i: number): number {
    this.check(i);
    return this.lineNumbers[i];
  }

  /** Reads and parses entry `i`; malformed JSON throws "file:line: malformed JSON ...". */
  async read(i: number): Promise<unknown> {
    this.check(i);
    const length = this.lengths[i];
    const buf = Buffer.allocUnsafe(length);
    const handle = await open(this.path, 'r');
    try {
      const { bytesRead } = await handle.read(buf, 0, length, this.offsets[i]);
      if (bytesRead !== length) throw lineError(this.path, this.lineNumbers[i], 'file changed since it was indexed (short read)');
    } finally {
      await handle.close();
    }
    return parseLine(this.path, this.lineNumbers[i], buf);
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`${this.path}: index ${i} out of range [0, ${this.length})`);
    }
  }
}

function parseLine(path: string, lineNumber: number, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw lineError(path, lineNumber, `malformed JSON (${(err as Error).message})`);
  }
}
