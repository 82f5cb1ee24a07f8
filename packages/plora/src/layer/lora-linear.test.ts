import { beforeAll, describe, expect, it } from 'vitest';
import { Linear, initBackend, tf } from '@vlalign/core';
import fixture from '../fixtures/lora.fixture.json';
import { LoraLinear } from './lora-linear.js';
import { bitsEqual, maxAbsDiff } from '../testing/tiny-stack.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const N = 6;
const input = () => tf.randomNormal([2, 3, 8], 0, 1, 'float32', 11);
const visual = (bits: number[]) => tf.tensor2d(bits, [2, 3]);

function adapted(options: Partial<ConstructorParameters<typeof LoraLinear>[1]> = {}): { base: Linear; lora: LoraLinear } {
  const base = new Linear(8, 5, { seed: 3 });
  // Non-zero bias so the base path's bias handling is exercised too.
  tf.tidy(() => base.bias!.assign(tf.randomNormal([5], 0, 0.5, 'float32', 4)));
  const lora = new LoraLinear(base, { rank: 4, alpha: 8, seed: 5, ...options });
  return { base, lora };
}

/** Random non-zero B (as after training) without running an optimiser. */
function perturb(lora: LoraLinear, seed = 9): void {
  tf.tidy(() => lora.loraB.assign(tf.randomNormal(lora.loraB.shape, 0, 0.3, 'float32', seed)));
}

describe('LoraLinear', () => {
  it('keeps the base names and adds PEFT-named factors', () => {
    const { base, lora } = adapted();
    expect(Object.keys(lora.stateDict()).sort()).toEqual(['bias', 'lora_A.weight', 'lora_B.weight', 'weight']);
    expect(lora.loraA.shape).toEqual([8, 4]);
    expect(lora.loraB.shape).toEqual([4, 5]);
    expect(lora.scaling).toBe(2);
    expect(new LoraLinear(base, { rank: 4, alpha: 8, useRsLoRA: true }).scaling).toBe(4);
    base.dispose();
    lora.dispose();
  });

  it('with B = 0 (the default init) gives exactly the base output, standard and partial', () => {
    const { base, lora } = adapted();
    const partial = new LoraLinear(base, { rank: 4, alpha: 8, partial: true });
    const x = input();
    const y0 = base.forward(x);
    expect(Array.from(lora.loraB.dataSync()).every((v) => v === 0)).toBe(true);
    const y1 = lora.forward(x);
    const y2 = partial.forward(x, { visualMask: visual([1, 0, 1, 1, 1, 0]) });
    expect(bitsEqual(y0, y1)).toBe(true);
    expect(bitsEqual(y0, y2)).toBe(true);
    tf.dispose([x, y0, y1, y2]);
    [base, lora, partial].forEach((m) => m.dispose());
  });

  it('matches the PyTorch reference when loaded with the fixture weights', () => {
    const base = new Linear(6, 4);
    base.loadStateDict({ weight: tf.tensor2d(fixture.weight_in_out), bias: tf.tensor1d(fixture.bias) });
    const lora = new LoraLinear(base, { rank: 3, alpha: fixture.alpha, partial: true });
    lora.loadStateDict({ 'lora_A.weight': tf.tensor2d(fixture.lora_A_in_r), 'lora_B.weight': tf.tensor2d(fixture.lora_B_r_out) }, { strict: false });
    const y = lora.forward(tf.tensor2d(fixture.x), { visualMask: tf.tensor1d(fixture.mask) });
    expect(maxAbsDiff(y, tf.tensor2d(fixture.y_partial))).toBeLessThan(1e-5);
    const merged = tf.tidy(() => tf.add(lora.weight, lora.deltaWeight()));
    expect(maxAbsDiff(merged, tf.tensor2d(fixture.merged_weight_in_out))).toBeLessThan(1e-5);
    tf.dispose([y, merged]);
    base.dispose();
    lora.dispose();
  });

  it('partial with an all-ones mask equals standard LoRA bit for bit', () => {
    const { base, lora } = adapted();
    const partial = new LoraLinear(base, { rank: 4, alpha: 8, partial: true, seed: 5 });
    perturb(lora);
    perturb(partial);
    const x = input();
    const a = lora.forward(x);
    const b = partial.forward(x, { visualMask: tf.ones([2, 3]) });
    expect(bitsEqual(a, b)).toBe(true);
    expect(maxAbsDiff(a, base.forward(x))).toBeGreaterThan(1e-3);
    [base, lora, partial].forEach((m) => m.dispose());
  });

  it('partial: mask-0 rows and mask-less calls are bit for bit the base after training, and A, B get no gradient from them', () => {
    const { base, lora } = adapted({ partial: true, dropout: 0.2 });
    const x = input();
    const target = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 12);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) {
      const mask = tf.tensor2d([[step % 2, 1, 0], [1, (step + 1) % 2, 1]]);
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(lora.forward(x, { visualMask: mask }), target))) as tf.Scalar, lora.adapterParameters());
      for (const v of lora.adapterParameters()) tf.tidy(() => v.assign(tf.sub(v, tf.mul(grads[v.name], 0.5))));
      tf.dispose([value, mask, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(lora.loraB.dataSync()).some((v) => v !== 0)).toBe(true);
    lora.eval();
    const y0 = base.forward(x);
    expect(bitsEqual(lora.forward(x, { visualMask: tf.zeros([2, 3]) }), y0)).toBe(true);
    expect(bitsEqual(lora.forward(x), y0)).toBe(true);
    const mixed = lora.forward(x, { visualMask: visual([1, 0, 0, 1, 0, 0]) });
    const rowsOf = (t: tf.Tensor) => tf.reshape(t, [N, 5]).arraySync() as number[][];
    const [m, b] = [rowsOf(mixed), rowsOf(y0)];
    for (const r of [1, 2, 4, 5]) expect(m[r]).toEqual(b[r]);
    expect(m[0]).not.toEqual(b[0]);
    lora.train();
    const grads = tf.variableGrads(() => tf.sum(lora.forward(x, { visualMask: tf.zeros([2, 3]) })) as tf.Scalar, lora.adapterParameters());
    for (const g of Object.values(grads.grads)) expect(tf.max(tf.abs(g)).dataSync()[0]).toBe(0);
    base.dispose();
    lora.dispose();
  });

  it('dropout acts on the adapter input in training mode only, reproducibly', () => {
    const make = () => {
      const { base, lora } = adapted({ dropout: 0.5 });
      perturb(lora);
      return { base, lora };
    };
    const one = make();
    const two = make();
    const x = input();
    const t1 = one.lora.forward(x);
    const t2 = two.lora.forward(x);
    expect(bitsEqual(t1, t2)).toBe(true);
    one.lora.eval();
    const e1 = one.lora.forward(x);
    expect(bitsEqual(e1, one.lora.forward(x))).toBe(true);
    expect(maxAbsDiff(e1, t1)).toBeGreaterThan(1e-4);
    [one.base, one.lora, two.base, two.lora].forEach((m) => m.dispose());
  });

  it('merge matches the unmerged output within 1e-5 and unmerge restores the weights bit for bit', () => {
    for (const partial of [false, true]) {
      const { base, lora } = adapted({ partial });
      perturb(lora);
      lora.eval();
      const x = input();
      const ctx = { visualMask: visual([1, 0, 1, 0, 0, 1]) };
      const original = tf.clone(lora.weight);
      const unmerged = lora.forward(x, ctx);
      lora.merge();
      expect(lora.merged).toBe(true);
      lora.merge(); // idempotent
      const merged = lora.forward(x, ctx);
      expect(maxAbsDiff(merged, unmerged)).toBeLessThan(1e-5);
      if (partial) {
        expect(bitsEqual(lora.weight, original)).toBe(true);
        expect(bitsEqual(lora.forward(x), base.forward(x))).toBe(true);
      } else {
        expect(bitsEqual(lora.weight, original)).toBe(false);
      }
      lora.unmerge();
      expect(lora.merged).toBe(false);
      expect(bitsEqual(lora.weight, original)).toBe(true);
      expect(bitsEqual(lora.forward(x, ctx), unmerged)).toBe(true);
      tf.dispose([x, original, unmerged, merged, ctx.visualMask]);
      base.dispose();
      lora.dispose();
    }
  });

  it('refuses to merge a non-finite update and computes the base output when disabled', () => {
    const { base, lora } = adapted();
    perturb(lora);
    const x = input();
    lora.adapterEnabled = false;
    expect(bitsEqual(lora.forward(x), base.forward(x))).toBe(true);
    lora.merge();
    expect(bitsEqual(lora.forward(x), base.forward(x))).toBe(true);
    lora.unmerge();
    lora.adapterEnabled = true;
    tf.tidy(() => lora.loraA.assign(tf.fill(lora.loraA.shape, NaN)));
    expect(() => lora.merge()).toThrow(/NaN or Inf/);
    expect(lora.merged).toBe(false);
    base.dispose();
    lora.dispose();
  });

  it('validates its options', () => {
    const base = new Linear(4, 4);
    expect(() => new LoraLinear(base, { rank: 0, alpha: 1 })).toThrow(/rank must be a positive integer/);
    expect(() => new LoraLinear(base, { rank: 2, alpha: -1 })).toThrow(/alpha/);
    expect(() => new LoraLinear(base, { rank: 2, alpha: 1, dropout: 1 })).toThrow(/dropout/);
    expect(() => new LoraLinear(base, { rank: 2, alpha: 1 }).forward(tf.zeros([2, 3]))).toThrow(/expected input \[\.\.\., 4\]/);
    base.dispose();
  });
});
