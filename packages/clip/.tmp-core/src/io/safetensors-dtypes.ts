/**
 * The safetensors element types we read, how many bytes each takes, and how their little-endian bytes
 * become the values of a tfjs tensor (tfjs only has float32, int32 and bool for real numbers).
 */

/** A tfjs dtype a decoded safetensors tensor can have. */
export type DecodedDtype = 'float32' | 'int32' | 'bool';

interface DtypeInfo {
  /** Bytes per element. */
  size: number;
  /** The tfjs dtype the values are converted to. */
  tf: DecodedDtype;
  /** Converts `count` elements starting at `view.byteOffset` (little-endian) to tfjs values. */
  decode(view: DataView, count: number, where: string): Float32Array | Int32Array | Uint8Array;
}

/** True on the (near universal) little-endian hosts, where typed arrays can view the file bytes directly. */
const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies the bytes into a fresh buffer, so the view is aligned and the file buffer is not retained. */
function copyBytes(view: DataView, bytes: number): ArrayBuffer {
  return new Uint8Array(view.buffer, view.byteOffset, bytes).slice().buffer;
}

function decodeF32(view: DataView, count: number): Float32Array {
  if (hostIsLittleEndian) return new Float32Array(copyBytes(view, count * 4));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function decodeI32(view: DataView, count: number): Int32Array {
  if (hostIsLittleEndian) return new Int32Array(copyBytes(view, count * 4));
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}

/**
 * IEEE 754 binary16 bits -> number. Written out because Node 20 has no Float16Array / Math.f16round.
 * Handles signed zero, subnormals, infinities and NaN.
 */
export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero or subnormal
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 bits -> number: bfloat16 is the upper half of a float32, so shifting the bits is exact. */
function decodeBf16(view: DataView, count: number): Float32Array {
  const bits = new Uint32Array(count);
  for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
  return new Float32Array(bits.buffer);
}

function decodeF16(view: DataView, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = halfBitsToFloat(view.getUint16(i * 2, true));
  return out;
}

/** 64-bit integers only fit tfjs' int32 when every value is in range; anything else is an error, not a wrap. */
function decodeI64(view: DataView, count: number, where: string): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = view.getBigInt64(i * 8, true);
    if (v > 2147483647n || v < -2147483648n) {
      throw new Error(
        `${where}: I64 value ${v} at flat index ${i} does not fit in int32 (tfjs has no int64); ` +
          'store this tensor as I32 or rescale it before saving',
      );
    }
    out[i] = Number(v);
  }
  return out;
}

function decodeU32(view: DataView, count: number, where: string): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = view.getUint32(i * 4, true);
    if (v > 2147483647) {
      throw new Error(`${where}: U32 value ${v} at flat index ${i} does not fit in int32 (tfjs has no uint32)`);
    }
    out[i] = v;
  }
  return out;
}

/** The element types {@link decodeSafetensors} understands, keyed by their safetensors name. */
export const SAFETENSORS_DTYPES: Readonly<Record<string, DtypeInfo>> = {
  F64: {
    size: 8,
    tf: 'float32',
    decode: (v, n) => Float32Array.from({ length: n }, (_, i) => v.getFloat64(i * 8, true)),
  },
  F32: { size: 4, tf: 'float32', decode: decodeF32 },
  F16: { size: 2, tf: 'float32', decode: decodeF16 },
  BF16: { size: 2, tf: 'float32', decode: decodeBf16 },
  I64: { size: 8, tf: 'int32', decode: decodeI64 },
  I32: { size: 4, tf: 'int32', decode: decodeI32 },
  I16: { size: 2, tf: 'int32', decode: (v, n) => Int32Array.from({ length: n }, (_, i) => v.getInt16(i * 2, true)) },
  I8: { size: 1, tf: 'int32', decode: (v, n) => Int32Array.from({ length: n }, (_, i) => v.getInt8(i)) },
  U32: { size: 4, tf: 'int32', decode: decodeU32 },
  U16: { size: 2, tf: 'int32', decode: (v, n) => Int32Array.from({ length: n }, (_, i) => v.getUint16(i * 2, true)) },
  U8: { size: 1, tf: 'int32', decode: (v, n) => Int32Array.from({ length: n }, (_, i) => v.getUint8(i)) },
  // tfjs bool tensors hold one byte per element, 0 or 1; any non-zero byte counts as true.
  BOOL: { size: 1, tf: 'bool', decode: (v, n) => Uint8Array.from({ length: n }, (_, i) => (v.getUint8(i) ? 1 : 0)) },
};

/** The safetensors dtype {@link encodeSafetensors} writes for each tfjs dtype it accepts. */
export const WRITE_DTYPES: Readonly<Record<string, 'F32' | 'I32' | 'BOOL'>> = {
  float32: 'F32',
  int32: 'I32',
  bool: 'BOOL',
};

/** Writes a typed array's elements little-endian into `out` at `offset`. */
export function writeLittleEndian(out: Uint8Array, offset: number, values: Float32Array | Int32Array | Uint8Array): void {
  if (hostIsLittleEndian || values.BYTES_PER_ELEMENT === 1) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + offset, values.byteLength);
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float32Array) view.setFloat32(i * 4, values[i], true);
    else view.setInt32(i * 4, values[i], true);
  }
}
