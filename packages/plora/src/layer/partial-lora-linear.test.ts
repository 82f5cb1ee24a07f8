import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import fixture from '../fixtures/lora.fixture.json';
import { partialLoraLinear } from './partial-lora-linear.js';
import { kaimingUniformA, loraScaling } from './lora-init.js';

// Reference values come from make-lora-fixture.py (PyTorch, PEFT/PLoRA-style nn.Linear layers).
const t2 = (v: number[][]) => tf.tensor2d(v);

function run(scaling: number, mask: number[]): tf.Tensor2D {
  return tf.tidy(() =>
    partialLoraLinear(t2(fixture.x), tf.tensor1d(mask), t2(fixture.weight_in_out), tf.tensor1d(fixture.bias), t2(fixture.lora_A_in_r), t2(fixture.lora_B_r_out), scaling),
  );
}

function expectClose(y: tf.Tensor, expected: number[][], tol = 1e-5): void {
  const got = y.arraySync() as number[][];
  expected.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(got[i][j] - v)).toBeLessThan(tol)));
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`partialLoraLinear (${backend})`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('matches the PyTorch reference on masked rows and leaves the others at the base output', () => {
      const y = run(loraScaling(fixture.shapes.r, fixture.alpha, false), fixture.mask);
      expectClose(y, fixture.y_partial);
      y.dispose();
    });

    it('uses alpha / sqrt(r) with rsLoRA', () => {
      expect(loraScaling(fixture.shapes.r, fixture.alpha, true)).toBeCloseTo(fixture.scaling_rslora, 12);
      const y = run(loraScaling(fixture.shapes.r, fixture.alpha, true), fixture.mask);
      expectClose(y, fixture.y_partial_rslora);
      y.dispose();
    });

    it('is standard LoRA with an all-ones mask and the base layer with an all-zeros mask', () => {
      const ones = run(fixture.scaling, [1, 1, 1, 1, 1]);
      const zeros = run(fixture.scaling, [0, 0, 0, 0, 0]);
      expectClose(ones, fixture.y_standard);
      expectClose(zeros, fixture.y_base);
      tf.dispose([ones, zeros]);
    });

    it('rejects mismatched shapes naming them', () => {
      expect(() =>
        tf.tidy(() => partialLoraLinear(tf.zeros([2, 5]) as tf.Tensor2D, tf.ones([2]), tf.zeros([6, 4]) as tf.Tensor2D, null, tf.zeros([6, 2]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D, 1)),
      ).toThrow(/x must be \[N, 6\]/);
      expect(() =>
        tf.tidy(() => partialLoraLinear(tf.zeros([2, 6]) as tf.Tensor2D, tf.ones([3]), tf.zeros([6, 4]) as tf.Tensor2D, null, tf.zeros([6, 2]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D, 1)),
      ).toThrow(/visual mask has 3 elements/);
    });
  });
}

describe('kaimingUniformA', () => {
  it("draws from PEFT's U(-1/sqrt(in), 1/sqrt(in)) and is seeded", async () => {
    await initBackend('wasm');
    const a = kaimingUniformA(6, 400, 7);
    const b = kaimingUniformA(6, 400, 7);
    const bound = fixture.kaiming_bound_in6;
    const values = a.dataSync();
    const maxAbs = Math.max(...Array.from(values, Math.abs));
    expect(maxAbs).toBeLessThanOrEqual(bound);
    expect(maxAbs).toBeGreaterThan(0.95 * bound);
    expect(Array.from(b.dataSync())).toEqual(Array.from(values));
    tf.dispose([a, b]);
  });

  it('reproduces with seed 0 (tfjs treats a raw 0 as unseeded)', async () => {
    await initBackend('wasm');
    const a = kaimingUniformA(6, 16, 0);
    const b = kaimingUniformA(6, 16, 0);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);
  });
});
