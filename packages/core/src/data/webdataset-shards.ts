import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import braces from 'braces';
import tar from 'tar-stream';

/**
 * Expands a shard pattern with shell-style braces: `data/shard-{000..009}.tar` (zero-padded
 * ranges), `{train,val}-{0..3}.tar`, or a list of patterns. Throws when nothing results.
 */
export function expandShardPattern(pattern: string | readonly string[]): string[] {
  const patterns = typeof pattern === 'string' ? [pattern] : pattern;
  const out = patterns.flatMap((p) => braces(p, { expand: true, rangeLimit: 1_000_000 }));
  if (out.length === 0) throw new Error(`WebDataset: shard pattern ${JSON.stringify(pattern)} expands to no shards`);
  return out;
}

/** All files of one sample in a shard, grouped by key, undecoded. */
export interface ShardRecord {
  /** The sample key: the member path up to the first dot of its basename. */
  key: string;
  shard: string;
  /** Extension (everything after the key's dot, lower-cased: `jpg`, `seg.png`, `json`) -> bytes. */
  files: Record<string, Uint8Array>;
}

/** WebDataset's key/extension split: directory + basename up to its first dot, and the rest. */
export function splitMemberName(name: string): { key: string; ext: string } | undefined {
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  if (dot <= slash + 1 || dot === name.length - 1) return undefined;
  return { key: name.slice(0, dot), ext: name.slice(dot + 1).toLowerCase() };
}

const isGzip = (path: string) => /\.(tgz|tar\.gz)$/i.test(path);

/**
 * An uncompressed tar ends with at least two zero blocks (tar, tar-stream and Python's tarfile all
 * write them). tar-stream accepts a stream that stops at a member boundary, so a shard cut there
 * would look complete; checking the end marker catches it before any sample is yielded.
 */
async function checkEndMarker(shard: string): Promise<void> {
  let size: number;
  try {
    size = (await stat(shard)).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `WebDataset shard not found: ${shard}` : `Cannot read WebDataset shard ${shard}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const truncated = (why: string) => new Error(`WebDataset shard ${shard} is truncated or not a tar file: ${why}`);
  if (size === 0) throw truncated('it is empty');
  if (size % 512 !== 0) throw truncated(`its size ${size} is not a multiple of 512`);
  if (size < 1024) throw truncated('it has no end-of-archive marker');
  const handle = await open(shard, 'r');
  try {
    const tail = Buffer.alloc(1024);
    await handle.read(tail, 0, 1024, size - 1024);
    if (!tail.every((b) => b === 0)) throw truncated('the end-of-archive marker (two zero blocks) is missing');
  } finally {
    await handle.close();
  }
}

/**
 * Streams one shard (`.tar`, or gzip-compressed `.tar.gz` / `.tgz`) and yields its samples: runs of
 * consecutive members that share a key. Only one sample's bytes are held at a time.
 * @throws Error naming the shard when it is missing, truncated or corrupt.
 */
export async function* readShard(shard: string): AsyncGenerator<ShardRecord> {
  if (!isGzip(shard)) await checkEndMarker(shard);
  const extract = tar.extract();
  const file = createReadStream(shard);
  const source = isGzip(shard) ? file.pipe(createGunzip()) : file;
  const fail = (err: Error) => extract.destroy(err);
  file.on('error', fail);
  source.on('error', fail);
  source.pipe(extract);
  let current: ShardRecord | undefined;
  try {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      const parts = type === 'file' ? splitMemberName(name) : undefined;
      if (!parts) {
        entry.resume();
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (current && current.key !== parts.key) {
        const done = current;
        current = undefined;
        yield done;
      }
      current ??= { key: parts.key, shard, files: {} };
      current.files[parts.ext] = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new Error(`WebDataset shard not found: ${shard}`, { cause: err });
    throw new Error(`WebDataset shard ${shard} is truncated or corrupt: ${e.message}`, { cause: err });
  } finally {
    file.destroy();
    extract.destroy();
  }
  if (current) yield current;
}
