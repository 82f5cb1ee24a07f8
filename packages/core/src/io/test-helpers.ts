/** Shared helpers for the io tests (not exported from the package). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

/** Absolute path of a file in `io/fixtures/`. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** A fresh temporary folder, removed when the calling test finishes (call it inside a test). */
export function tempDir(prefix = 'vlalign-io-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** JSON fixture numbers: the Python script writes NaN/Infinity as strings. */
export function fromJsonNumber(v: number | string): number {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v as number;
}
