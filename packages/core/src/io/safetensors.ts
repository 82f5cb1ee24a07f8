/**
 * In-memory safetensors encoding and decoding for tfjs tensors.
 *
 * Why this is written here rather than taken from npm (see shared/reference/backend-feasibility.md §6):
 * no maintained package does the job. `safetensors@0.0.1` only reads, and builds its DataView without
 * the Buffer's byteOffset, so it misreads pooled Node Buffers; `@huggingface/hub` only reads headers of
 * files hosted on the Hub; the other candidates are not published. The format is small and fully
 * specified (https://github.com/huggingface/safetensors#format), so a reader/writer is a few hundred
 * lines that we test against files made by an independent numpy script.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SAFETENSORS_DTYPES, WRITE_DTYPES, writeLittleEndian } from './safetensors-dtypes.js';
import { SafetensorsError, parseSafetensorsHeader } from './safetensors-header.js';

/** Free-form string metadata stored under the header's `__metadata__` key. */
export type SafetensorsMetadata = Record<string, string>;

/** The result of decoding a safetensors file: new tensors (the caller disposes them) and the metadata. */
export interface DecodedSafetensors {
  tensors: Record<string, tf.Tensor>;
  metadata: SafetensorsMetadata;
}

/**
 * Encodes tensors as a safetensors byte buffer.
 *
 * float32 tensors are written as `F32`, int32 as `I32`, bool as `BOOL`; other dtypes are an error.
 * Tensors are laid out by element size (largest first) then name, so every tensor's bytes are aligned to
 * its element size and the output is deterministic. The header is padded with spaces to a multiple of 8.
 * The input tensors are read, not disposed.
 *
 * @param tensors tensors by name (`__metadata__` is reserved).
 * @param metadata optional string-to-string map stored as `__metadata__`.
 */
export function encodeSafetensors(tensors: Record<string, tf.Tensor>, metadata?: SafetensorsMetadata): Uint8Array {
  const names = Object.keys(tensors);
  const plan = names.map((name) => {
    const t = tensors[name];
    if (name === '__metadata__') throw new Error('encodeSafetensors: "__metadata__" is reserved and cannot name a tensor');
    if (!(t instanceof tf.Tensor)) throw new Error(`encodeSafetensors: "${name}" is not a tf.Tensor`);
    if (t.isDisposed) throw new Error(`encodeSafetensors: tensor "${name}" is already disposed`);
    const dtype = WRITE_DTYPES[t.dtype];
    if (!dtype) {
      throw new Error(
        `encodeSafetensors: tensor "${name}" has dtype ${t.dtype}; only ${Object.keys(WRITE_DTYPES).join(', ')} can be written`,
      );
    }
    return { name, tensor: t, dtype, size: SAFETENSORS_DTYPES[dtype].size };
  });
  plan.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`encodeSafetensors: metadata "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const p of plan) {
    const bytes = p.tensor.size * p.size;
    header[p.name] = { dtype: p.dtype, shape: p.tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + padded);

  const dataStart = 8 + padded;
  for (const p of plan) {
    const begin = (header[p.name] as { data_offsets: [number, number] }).data_offsets[0];
    writeLittleEndian(out, dataStart + begin, p.tensor.dataSync() as Float32Array | Int32Array | Uint8Array);
  }
  return out;
}

/**
 * Decodes a safetensors buffer into new tfjs tensors.
 *
 * Reads F32, F16, BF16, F64 (-> float32), I64, I32, I16, I8, U32, U16, U8 (-> int32; 64/32-bit unsigned
 * values outside the int32 range are an error, not a wrap) and BOOL (-> bool). The whole header is
 * validated first, so a bad file creates no tensors. Works on any view (pooled Node Buffers included:
 * offsets are taken relative to `byteOffset`), and copies tensor bytes so the input can be released.
 *
 * @param bytes the file contents.
 * @param source a name for error messages, usually the file path.
 * @throws SafetensorsError naming `source` and the problem for malformed input.
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): DecodedSafetensors {
  const header = parseSafetensorsHeader(bytes, source);
  const values = Object.entries(header.tensors).map(([name, info]) => {
    const dtype = SAFETENSORS_DTYPES[info.dtype];
    const [begin, end] = info.dataOffsets;
    const view = new DataView(bytes.buffer, bytes.byteOffset + header.dataStart + begin, end - begin);
    return { name, info, tfDtype: dtype.tf, data: dtype.decode(view, (end - begin) / dtype.size, `${source}: tensor "${name}"`) };
  });
  // Tensors are created only after every value decoded, so an I64 range error leaks nothing.
  const tensors: Record<string, tf.Tensor> = {};
  for (const v of values) tensors[v.name] = tf.tensor(v.data, v.info.shape, v.tfDtype);
  return { tensors, metadata: header.metadata };
}

export { SafetensorsError };
