import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { SafetensorsError, decodeSafetensors, encodeSafetensors } from './safetensors.js';
import { loadSafetensors, readSafetensorsHeader, saveSafetensors } from './safetensors-file.js';
import { halfBitsToFloat } from './safetensors-dtypes.js';
import { fixturePath, fromJsonNumber, tempDir } from './test-helpers.js';

interface ExpectedFixture {
  metadata: Record<string, string>;
  tensors: Record<string, { tfDtype: string; shape: number[]; values: (number | string)[] }>;
}

/** Values equal bit-for-bit in the sense that matters here: -0 vs 0 and NaN are distinguished. */
function expectSameValues(actual: ArrayLike<number>, expected: number[], label: string): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Object.is(actual[i], expected[i]), `${label}[${i}]: ${actual[i]} vs ${expected[i]}`).toBe(true);
  }
}

/** A safetensors buffer from a header object and a data section, bypassing our encoder. */
function rawFile(header: unknown, data: Uint8Array | number = 0, headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

/** The fixed tensors whose encoding is committed as fixtures/written-by-vlalign.safetensors. */
function fixedTensors(): Record<string, tf.Tensor> {
  return {
    b: tf.tensor1d([-7, 0, 2147483647], 'int32'),
    a: tf.tensor2d([0.5, -1, 3.25, 1e-3], [2, 2]),
    c: tf.tensor1d([1, 0, 1], 'bool'),
    s: tf.scalar(2.5),
  };
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`safetensors (${backend})`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('reads every dtype of the numpy-written reference file', () => {
      const expected = JSON.parse(readFileSync(fixturePath('reference.expected.json'), 'utf8')) as ExpectedFixture;
      const before = tf.memory().numTensors;
      const { tensors, metadata } = loadSafetensors(fixturePath('reference.safetensors'));
      expect(metadata).toEqual(expected.metadata);
      expect(Object.keys(tensors).sort()).toEqual(Object.keys(expected.tensors).sort());
      for (const [name, exp] of Object.entries(expected.tensors)) {
        const t = tensors[name];
        expect(t.dtype, name).toBe(exp.tfDtype);
        expect(t.shape, name).toEqual(exp.shape);
        expectSameValues(t.dataSync() as ArrayLike<number>, exp.values.map(fromJsonNumber), name);
      }
      expect(tf.memory().numTensors).toBe(before + Object.keys(expected.tensors).length);
      for (const t of Object.values(tensors)) t.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('round-trips float32, int32 and bool tensors, scalars and empty tensors', () => {
      const input = {
        w: tf.tensor3d(Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 1e3), [2, 3, 4]),
        ids: tf.tensor2d([[1, -2], [2147483647, -2147483648]], [2, 2], 'int32'),
        mask: tf.tensor1d([1, 0, 0, 1, 1], 'bool'),
        s: tf.scalar(-0.125),
        empty: tf.zeros([0, 5]),
        special: tf.tensor1d([NaN, Infinity, -Infinity, -0]),
      };
      const before = tf.memory().numTensors;
      const out = decodeSafetensors(encodeSafetensors(input, { k: 'v' }));
      expect(out.metadata).toEqual({ k: 'v' });
      for (const [name, t] of Object.entries(input)) {
        expect(out.tensors[name].dtype, name).toBe(t.dtype);
        expect(out.tensors[name].shape, name).toEqual(t.shape);
        expectSameValues(out.tensors[name].dataSync() as ArrayLike<number>, Array.from(t.dataSync() as ArrayLike<number>), name);
      }
      for (const t of Object.values(out.tensors)) t.dispose();
      expect(tf.memory().numTensors).toBe(before);
      for (const t of Object.values(input)) t.dispose();
    });

    it('decodes from a pooled Buffer at an odd byteOffset', () => {
      const t = { x: tf.tensor1d([1.25, -3, 7]), n: tf.tensor1d([5, 6], 'int32') };
      const bytes = encodeSafetensors(t);
      const pool = Buffer.concat([Buffer.from([9, 9, 9]), Buffer.from(bytes), Buffer.from([1, 2])]);
      const view = pool.subarray(3, 3 + bytes.length);
      const out = decodeSafetensors(view);
      expectSameValues(out.tensors.x.dataSync(), [1.25, -3, 7], 'x');
      expectSameValues(out.tensors.n.dataSync(), [5, 6], 'n');
      tf.dispose([...Object.values(out.tensors), ...Object.values(t)]);
    });
  });
}

describe('safetensors encoding layout', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('pads the header with spaces to a multiple of 8 and aligns every tensor', () => {
    const t = { z: tf.tensor1d([1, 0], 'bool'), a: tf.tensor1d([1, 2, 3]), m: tf.tensor1d([4], 'int32') };
    const bytes = encodeSafetensors(t, { note: 'x' });
    tf.dispose(Object.values(t));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd().endsWith('}')).toBe(true);
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    const header = JSON.parse(text);
    expect(header.__metadata__).toEqual({ note: 'x' });
    // Largest element size first, then by name; offsets contiguous from 0 to the end of the file.
    expect(header.a).toEqual({ dtype: 'F32', shape: [3], data_offsets: [0, 12] });
    expect(header.m).toEqual({ dtype: 'I32', shape: [1], data_offsets: [12, 16] });
    expect(header.z).toEqual({ dtype: 'BOOL', shape: [2], data_offsets: [16, 18] });
    expect(bytes.length).toBe(8 + n + 18);
    expect(new DataView(bytes.buffer).getFloat32(8 + n + 8, true)).toBe(3);
  });

  it('matches the committed file that numpy parsed independently', () => {
    const input = fixedTensors();
    const bytes = encodeSafetensors(input, { note: 'fixed' });
    tf.dispose(Object.values(input));
    const committed = fixturePath('written-by-vlalign.safetensors');
    // To regenerate after a deliberate format change: UPDATE_IO_FIXTURES=1, then run
    // `/usr/bin/python3 make-safetensors-fixture.py --verify written-by-vlalign.safetensors` in fixtures/.
    if (process.env.UPDATE_IO_FIXTURES) writeFileSync(committed, bytes);
    expect(Buffer.from(bytes).equals(readFileSync(committed))).toBe(true);

    const verified = JSON.parse(readFileSync(fixturePath('written-by-vlalign.verified.json'), 'utf8'));
    expect(verified.ok, verified.problems.join('; ')).toBe(true);
    expect(verified.metadata).toEqual({ note: 'fixed' });
    expect(verified.tensors).toEqual({
      a: { dtype: 'F32', shape: [2, 2], values: [0.5, -1, 3.25, Math.fround(1e-3)] },
      b: { dtype: 'I32', shape: [3], values: [-7, 0, 2147483647] },
      c: { dtype: 'BOOL', shape: [3], values: [1, 0, 1] },
      s: { dtype: 'F32', shape: [], values: [2.5] },
    });
  });

  it('rejects tensors it cannot write', () => {
    const c = tf.tensor1d(['text']);
    expect(() => encodeSafetensors({ c })).toThrow(/tensor "c" has dtype string; only float32, int32, bool/);
    const x = tf.scalar(1);
    expect(() => encodeSafetensors({ __metadata__: x })).toThrow(/reserved/);
    x.dispose();
    expect(() => encodeSafetensors({}, { n: 3 as unknown as string })).toThrow(/metadata "n" must be a string/);
    c.dispose();
  });

  it('converts half-precision bit patterns like IEEE 754 says', () => {
    expect(halfBitsToFloat(0x3c00)).toBe(1);
    expect(halfBitsToFloat(0xc000)).toBe(-2);
    expect(halfBitsToFloat(0x7bff)).toBe(65504);
    expect(halfBitsToFloat(0x0001)).toBe(2 ** -24);
    expect(Object.is(halfBitsToFloat(0x8000), -0)).toBe(true);
    expect(halfBitsToFloat(0xfc00)).toBe(-Infinity);
    expect(halfBitsToFloat(0x7e00)).toBeNaN();
  });
});

describe('safetensors validation', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  const ok = { t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };

  const cases: [string, Uint8Array, RegExp][] = [
    ['a file shorter than 8 bytes', new Uint8Array(5), /5 bytes, shorter than the 8-byte header length/],
    ['a header length beyond the file', rawFile(ok, 8).subarray(0, 20), /header length is \d+ bytes but the file has only 12 .*truncated/],
    ['an absurd header length', (() => { const b = rawFile(ok, 8); new DataView(b.buffer).setBigUint64(0, 2n ** 62n, true); return b; })(), /limit 100000000/],
    ['invalid JSON', rawFile(null, 8, '{"t": {"dtype": "F32",'), /header is not valid JSON/],
    ['a header that is not an object', rawFile([1, 2]), /must be a JSON object/],
    ['an unknown dtype', rawFile({ t: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, 2), /unsupported dtype "F8_E4M3"; supported: F64, F32, F16, BF16, I64, I32/],
    ['offsets past the data', rawFile(ok, 4), /data_offsets \[0, 8\] run past the 4-byte data section; the file is truncated/],
    ['offsets not matching shape*dtype', rawFile({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /span 8 bytes but shape \[3\] of F32 needs 12/],
    ['malformed offsets', rawFile({ t: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, 8), /data_offsets must be \[begin, end\]/],
    ['a bad shape', rawFile({ t: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, 8), /shape must be an array of non-negative integers/],
    ['overlapping tensors', rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /tensors "a" and "b" overlap/],
    ['a gap between tensors', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /data bytes \[0, 4\) before tensor "a" belong to no tensor/],
    ['trailing bytes', rawFile(ok, 12), /data section is 12 bytes but the tensors cover 8/],
    ['duplicate names', rawFile(null, 8, '{"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "t": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}'), /tensor name "t" appears more than once/],
    ['non-string metadata', rawFile({ ...ok, __metadata__: { a: 1 } }, 8), /"__metadata__.a" must be a string/],
  ];
  for (const [what, bytes, message] of cases) {
    it(`rejects ${what} with a clear error`, () => {
      const before = tf.memory().numTensors;
      let error: unknown;
      try {
        decodeSafetensors(bytes, 'bad.safetensors');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SafetensorsError);
      expect((error as Error).message).toMatch(/^bad\.safetensors: /);
      expect((error as Error).message).toMatch(message);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('rejects I64 values outside int32 and leaks no tensor', () => {
    const before = tf.memory().numTensors;
    expect(() => loadSafetensors(fixturePath('i64-out-of-range.safetensors'))).toThrow(
      /i64-out-of-range\.safetensors: tensor "too_big": I64 value 1099511627776 at flat index 1 does not fit in int32/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('accepts a duplicate-looking key inside a nested object', () => {
    const text = '{"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "__metadata__": {"t": "also t", "x\\"y": "q"}}';
    const out = decodeSafetensors(rawFile(null, new Uint8Array(4), text));
    expect(out.metadata).toEqual({ t: 'also t', 'x"y': 'q' });
    tf.dispose(Object.values(out.tensors));
  });
});

describe('safetensors files', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('saves atomically, loads back, and reads only the header for dry runs', () => {
    const dir = tempDir();
    const path = join(dir, 'sub', 'w.safetensors');
    const t = { w: tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]) };
    saveSafetensors(path, t, { step: '3' });
    t.w.dispose();
    const header = readSafetensorsHeader(path);
    expect(header.metadata).toEqual({ step: '3' });
    expect(header.tensors.w).toEqual({ dtype: 'F32', shape: [2, 3], dataOffsets: [0, 24] });
    expect(header.dataStart % 8).toBe(0);
    const { tensors } = loadSafetensors(path);
    expectSameValues(tensors.w.dataSync(), [1, 2, 3, 4, 5, 6], 'w');
    tensors.w.dispose();
  });

  it('reports truncated files by path, header-only reads included', () => {
    const dir = tempDir();
    const path = join(dir, 'cut.safetensors');
    const full = readFileSync(fixturePath('reference.safetensors'));
    writeFileSync(path, full.subarray(0, full.length - 10));
    expect(() => loadSafetensors(path)).toThrow(new RegExp(`${path}: .*truncated|${path}: .*tensors cover`));
    expect(() => readSafetensorsHeader(path)).toThrow(/truncated/);
    writeFileSync(path, full.subarray(0, 100));
    expect(() => readSafetensorsHeader(path)).toThrow(/header length is \d+ bytes but the file has only 92 bytes/);
    writeFileSync(path, full.subarray(0, 3));
    expect(() => readSafetensorsHeader(path)).toThrow(/3 bytes, shorter than the 8-byte/);
  });
});
