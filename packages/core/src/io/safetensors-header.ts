/**
 * Parsing and validating the safetensors header (no tensors involved), shared by the in-memory decoder
 * and the header-only file reader.
 *
 * Layout: an 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { string: string } }`
 * (padded with spaces), then the tensor bytes; `data_offsets` are relative to the end of the header.
 */
import { SAFETENSORS_DTYPES } from './safetensors-dtypes.js';

/** Raised for any malformed safetensors input; the message names the source and the problem. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** One tensor's entry in a safetensors header. */
export interface SafetensorsTensorInfo {
  /** The safetensors dtype name, e.g. `F32`, `BF16`, `I64`. */
  dtype: string;
  shape: number[];
  /** `[begin, end)` byte range relative to the start of the data section. */
  dataOffsets: [number, number];
}

/** A parsed and validated header. */
export interface SafetensorsHeader {
  /** Tensor entries by name, in the order of their bytes in the file. */
  tensors: Record<string, SafetensorsTensorInfo>;
  /** The free-form `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
  /** N, the byte length of the JSON header (padding included). */
  headerLength: number;
  /** Absolute byte offset where the data section starts (8 + N). */
  dataStart: number;
}

/** The official implementation refuses headers above 100 MB; a bigger N means a corrupt length field. */
export const MAX_HEADER_LENGTH = 100_000_000;

const METADATA_KEY = '__metadata__';

/** Reads N from the first 8 bytes and checks it against the total size of the file. */
export function readHeaderLength(prefix: Uint8Array, totalBytes: number, source: string): number {
  if (totalBytes < 8) {
    throw new SafetensorsError(
      `${source}: file is ${totalBytes} bytes, shorter than the 8-byte header length field; ` +
        'it is not a safetensors file or it was truncated',
    );
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_LENGTH)) {
    throw new SafetensorsError(
      `${source}: header length field says ${n} bytes (limit ${MAX_HEADER_LENGTH}); the file is not safetensors or is corrupt`,
    );
  }
  const length = Number(n);
  if (8 + length > totalBytes) {
    throw new SafetensorsError(
      `${source}: header length is ${length} bytes but the file has only ${totalBytes - 8} bytes after the length field; ` +
        'the file is truncated (re-download or re-save it)',
    );
  }
  return length;
}

/**
 * Top-level keys of a JSON object text in order, duplicates included. JSON.parse silently keeps the
 * last of duplicate keys, and a duplicated tensor name would hide data, so we look for them ourselves.
 * Assumes `text` already parsed as a JSON object.
 */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (depth === 1) {
        let j = i + 1;
        while (/\s/.test(text[j] ?? '')) j++;
        if (text[j] === ':') keys.push(JSON.parse(text.slice(start, i + 1)) as string);
      }
    }
  }
  return keys;
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Parses and validates the JSON header bytes against a data section of `dataLength` bytes.
 * Checks: valid UTF-8 JSON object, no duplicate names, known dtypes, well-formed shapes and offsets,
 * each tensor's byte size equal to product(shape) * dtype size, and the tensors covering the data
 * section exactly once (no overlap, gap or trailing bytes, as the format requires).
 */
export function parseHeaderJson(
  headerBytes: Uint8Array,
  dataLength: number,
  source: string,
): Omit<SafetensorsHeader, 'headerLength' | 'dataStart'> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(`${source}: header is not valid UTF-8; the file is not safetensors or is corrupt`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(
      `${source}: header is not valid JSON (${(err as Error).message}); the file is not safetensors or is corrupt`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SafetensorsError(`${source}: header must be a JSON object mapping tensor names to entries`);
  }
  const seen = new Set<string>();
  for (const key of topLevelKeys(text)) {
    if (seen.has(key)) throw new SafetensorsError(`${source}: tensor name "${key}" appears more than once in the header`);
    seen.add(key);
  }

  const metadata: Record<string, string> = {};
  const rawMeta = (parsed as Record<string, unknown>)[METADATA_KEY];
  if (rawMeta !== undefined) {
    if (rawMeta === null || typeof rawMeta !== 'object' || Array.isArray(rawMeta)) {
      throw new SafetensorsError(`${source}: "${METADATA_KEY}" must be an object of string values`);
    }
    for (const [k, v] of Object.entries(rawMeta)) {
      if (typeof v !== 'string') {
        throw new SafetensorsError(`${source}: "${METADATA_KEY}.${k}" must be a string, got ${JSON.stringify(v)}`);
      }
      metadata[k] = v;
    }
  }

  const entries: [string, SafetensorsTensorInfo][] = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === METADATA_KEY) continue;
    const where = `${source}: tensor "${name}"`;
    if (raw === null || typeof raw !== 'object') throw new SafetensorsError(`${where}: entry must be an object`);
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in SAFETENSORS_DTYPES)) {
      throw new SafetensorsError(
        `${where}: unsupported dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(SAFETENSORS_DTYPES).join(', ')}`,
      );
    }
    if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
      throw new SafetensorsError(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger) || offsets[1] < offsets[0]) {
      throw new SafetensorsError(
        `${where}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`,
      );
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) {
      throw new SafetensorsError(
        `${where}: data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data section; the file is truncated`,
      );
    }
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * SAFETENSORS_DTYPES[dtype].size;
    if (end - begin !== expected) {
      throw new SafetensorsError(
        `${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape [${shape}] of ${dtype} needs ${expected}`,
      );
    }
    entries.push([name, { dtype, shape: shape as number[], dataOffsets: [begin, end] }]);
  }

  entries.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  let cursor = 0;
  let previous = '';
  for (const [name, info] of entries) {
    const [begin, end] = info.dataOffsets;
    if (begin < cursor) {
      throw new SafetensorsError(`${source}: tensors "${previous}" and "${name}" overlap (byte ${begin} < ${cursor})`);
    }
    if (begin > cursor) {
      throw new SafetensorsError(`${source}: data bytes [${cursor}, ${begin}) before tensor "${name}" belong to no tensor`);
    }
    cursor = end;
    previous = name;
  }
  if (cursor !== dataLength) {
    throw new SafetensorsError(
      `${source}: data section is ${dataLength} bytes but the tensors cover ${cursor}; the file has trailing or missing bytes`,
    );
  }
  return { tensors: Object.fromEntries(entries), metadata };
}

/** Parses and validates a whole safetensors buffer's header. */
export function parseSafetensorsHeader(bytes: Uint8Array, source: string): SafetensorsHeader {
  const headerLength = readHeaderLength(bytes, bytes.byteLength, source);
  const dataStart = 8 + headerLength;
  const parsed = parseHeaderJson(bytes.subarray(8, dataStart), bytes.byteLength - dataStart, source);
  return { ...parsed, headerLength, dataStart };
}
