/**
 * safetensors files on disk: atomic save, load, and a header-only read for dry runs and inspection.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from './atomic-write.js';
import { type DecodedSafetensors, type SafetensorsMetadata, decodeSafetensors, encodeSafetensors } from './safetensors.js';
import { type SafetensorsHeader, parseHeaderJson, readHeaderLength } from './safetensors-header.js';

/**
 * Writes tensors to a safetensors file atomically (temp file + fsync + rename), creating parent folders.
 * See {@link encodeSafetensors} for the accepted dtypes. The tensors are not disposed.
 */
export function saveSafetensors(path: string, tensors: Record<string, tf.Tensor>, metadata?: SafetensorsMetadata): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/**
 * Reads a safetensors file into new tensors (the caller disposes them). See {@link decodeSafetensors}.
 * @throws SafetensorsError naming the path and the problem for malformed files.
 */
export function loadSafetensors(path: string): DecodedSafetensors {
  return decodeSafetensors(readFileSync(path), path);
}

function readExactly(fd: number, length: number, position: number): Uint8Array {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/**
 * Reads and validates only the header of a safetensors file (names, dtypes, shapes, offsets, metadata)
 * without loading tensor bytes; offsets are checked against the file size. For dry runs and inspection.
 */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const headerLength = readHeaderLength(readExactly(fd, Math.min(8, size), 0), size, path);
    const headerBytes = readExactly(fd, headerLength, 8);
    const dataStart = 8 + headerLength;
    return { ...parseHeaderJson(headerBytes, size - dataStart, path), headerLength, dataStart };
  } finally {
    closeSync(fd);
  }
}
