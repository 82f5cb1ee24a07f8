import { beforeAll, describe, expect, it } from 'vitest';
import { fusedGelu, tf } from '@vlalign/core';
import { referenceMatMul } from './kernels/matmul.js';
import { loadAddon, type NativeAddon } from './load-addon.js';
import { randomTensor } from './random-tensor.js';
import { relDiff } from './self-test.js';
import { addonBuilt, setUpNative, take } from './testing/native-harness.js';
import { asWasm, heapOf, offsetOf, type WasmBackendInternals } from './wasm-heap.js';

describe.skipIf(!addonBuilt)('zero-copy heap access stays safe', () => {
  let addon: NativeAddon;
  let backend: WasmBackendInternals;
  beforeAll(async () => {
    await setUpNative();
    const loaded = loadAddon();
    if (!loaded.addon) throw new Error(loaded.reason);
    addon = loaded.addon;
    backend = asWasm(tf.backend());
  });

  it('keeps computing correctly after the heap grows, and rejects the detached old heap', () => {
    const a = randomTensor([40, 30], 1);
    const b = randomTensor([30, 20], 2);
    const x = randomTensor([1000], 3, 4);
    const oldHeap = heapOf(backend);
    const before = oldHeap.byteLength;
    // Bigger than the whole heap now: malloc must grow it, which detaches the old ArrayBuffer.
    const big = tf.fill([before / 4 + (8 << 20)], 1.5);
    const after = heapOf(backend).byteLength;
    expect(after).toBeGreaterThan(before);
    expect(oldHeap.byteLength).toBe(0);
    const [prod] = take(tf.matMul(a, b));
    expect(relDiff(prod, referenceMatMul(a, b, false, false))).toBeLessThan(1e-5);
    const g = fusedGelu(x);
    expect(g.shape).toEqual([1000]);
    expect(() => addon.gelu(oldHeap, offsetOf(backend, x), offsetOf(backend, g), 1000)).toThrow(/detached/);
    // Growth again while tensors are alive: their offsets stay valid.
    const bigger = tf.fill([after / 4 + (8 << 20)], 2.5);
    const [prod2] = take(tf.matMul(a, b));
    expect(Array.from(prod2)).toEqual(Array.from(prod));
    expect(tf.max(big).dataSync()[0]).toBe(1.5);
    tf.dispose([a, b, x, g, big, bigger]);
  });

  it('throws on any operand outside the live heap and writes nothing', () => {
    const a = randomTensor([8, 8], 4);
    const canary = randomTensor([64], 5);
    const canaryBefore = Array.from(canary.dataSync());
    const heap = heapOf(backend);
    const end = heap.byteLength;
    const aOff = offsetOf(backend, a);
    // C would run past the end of the heap.
    expect(() => addon.sgemm(heap, aOff, aOff, end - 16, 1, 8, 8, 8, false, false, 64, 64, -1)).toThrow(/outside the wasm heap/);
    // A batch stride that walks past the end.
    expect(() => addon.sgemm(heap, aOff, aOff, offsetOf(backend, canary), 1, 8, 8, 8, false, false, end, 64, -1, new Int32Array([1]))).toThrow(/outside the wasm heap/);
    expect(() => addon.gelu(heap, aOff, end, 1)).toThrow(/outside the wasm heap/);
    expect(() => addon.gelu(heap, aOff + 2, offsetOf(backend, canary), 4)).toThrow(/not aligned/);
    expect(() => addon.gelu(heap, -4, offsetOf(backend, canary), 4)).toThrow(/non-negative/);
    expect(() => addon.layerNorm(heap, aOff, aOff, aOff, end - 4, 2, 8, 1e-5)).toThrow(/outside the wasm heap/);
    expect(() => addon.adamw(heap, aOff, aOff, aOff, aOff, aOff, aOff, end, 64, 1e-3, 0.9, 0.999, 1e-8, 1, 1, 1)).toThrow(/outside the wasm heap/);
    expect(() => addon.gather(heap, aOff, aOff, end, 4, 8, 32)).toThrow(/outside the wasm heap/);
    expect(() => addon.segmentSum(heap, aOff, aOff, end - 4, 8, 4, 8)).toThrow(/outside the wasm heap/);
    expect(() => addon.sumLeading(heap, aOff, end, 8, 8)).toThrow(/outside the wasm heap/);
    // Attention: an output past the end, bias strides that reach past the bias, missing strides.
    const z = new Int32Array(4);
    expect(() => addon.mha!(heap, -1, aOff, aOff, aOff, -1, 0, z, end - 16, 0, 0, 1, 2, 2, 2, 4, 1)).toThrow(/outside the wasm heap/);
    expect(() => addon.mha!(heap, -1, aOff, aOff, aOff, aOff, 3, new Int32Array([0, 0, 2, 1]), offsetOf(backend, canary), 0, 0, 1, 2, 2, 2, 4, 1)).toThrow(/bias strides reach past/);
    expect(() => addon.mha!(heap, -1, aOff, aOff, aOff, aOff, 4, new Int32Array([0, 0, -2, 1]), offsetOf(backend, canary), 0, 0, 1, 2, 2, 2, 4, 1)).toThrow(/non-negative bias strides/);
    expect(() => addon.mha!(heap, aOff, aOff, aOff, aOff, -1, 0, z, aOff, aOff, end - 4, 1, 2, 2, 2, 4, 1)).toThrow(/outside the wasm heap/);
    expect(() => addon.gelu(new Float32Array(4) as unknown as ArrayBuffer, 0, 0, 1)).toThrow(/expected the wasm heap ArrayBuffer/);
    expect(() => addon.gelu(heap, 0.5, 0, 1)).toThrow(/integer/);
    expect(Array.from(canary.dataSync())).toEqual(canaryBefore);
    tf.dispose([a, canary]);
  });
});
