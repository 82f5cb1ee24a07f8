/**
 * Crash-safe file writes: readers see either the old file or the complete new one, never a torn one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A unique hidden sibling name for a temporary file or folder next to `path`. */
export function tempSiblingPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Flushes a directory entry (a rename) to disk; some platforms cannot open directories, which is harmless. */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot fsync a directory; the rename itself is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes all of `data` to a new file and fsyncs it. */
export function writeFileDurable(path: string, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(path, 'wx');
  try {
    let written = 0;
    while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Atomically replaces (or creates) `path` with `data`: writes a temporary file in the same directory,
 * fsyncs it, then renames it over `path` (rename is atomic within a filesystem, which is why the temp
 * file lives beside the target). Parent directories are created. Strings are written as UTF-8.
 * On failure the temporary file is removed and the old contents of `path` are untouched.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempSiblingPath(path);
  try {
    writeFileDurable(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDirectory(dirname(path));
}

/**
 * Atomically writes `value` as pretty-printed JSON (2-space indent, trailing newline).
 * @throws if the value cannot be represented as JSON (e.g. it is `undefined` or has a cycle).
 */
export function writeJson(path: string, value: unknown): void {
  const text = JSON.stringify(value, null, 2);
  if (text === undefined) throw new Error(`writeJson(${path}): value is not representable as JSON`);
  writeFileAtomic(path, `${text}\n`);
}
