import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { DualEncoder } from '../models/dual-encoder.js';
import { microDual } from '../models/testing-configs.js';
import { applyFanInInit } from './fan-in-init.js';
import { Linear } from './linear.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('applyFanInInit', () => {
  it("draws every Linear weight uniformly in ±1/√fan-in (PyTorch's nn.Linear default), seeded, and leaves the rest", () => {
    const a = new DualEncoder(microDual, { seed: 1 });
    const b = new DualEncoder(microDual, { seed: 1 });
    const before = Object.fromEntries(a.namedParameters().map(([n, v]) => [n, Array.from(v.dataSync())]));
    const tensors = tf.memory().numTensors;
    applyFanInInit(a, 7);
    applyFanInInit(b, 7);
    expect(tf.memory().numTensors).toBe(tensors);
    const linearWeights = new Set(a.namedModules().filter(([, m]) => m instanceof Linear).map(([p]) => `${p}.weight`));
    expect(linearWeights.size).toBeGreaterThan(3);
    const bParams = new Map(b.namedParameters());
    for (const [name, v] of a.namedParameters()) {
      const now = Array.from(v.dataSync());
      if (!linearWeights.has(name)) {
        expect(now).toEqual(before[name]);
        continue;
      }
      const bound = 1 / Math.sqrt(v.shape[0]);
      expect(Math.max(...now.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(now).toEqual(Array.from(bParams.get(name)!.dataSync()));
      expect(now).not.toEqual(before[name]);
    }
    // Over all Linear weights the spread is that of U(±b): std b/√3 (far from the default 0.02).
    const big = a.namedModules().find(([, m]) => m instanceof Linear && (m as Linear).weight.size >= 256)![1] as Linear;
    const w = Array.from(big.weight.dataSync());
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    expect(std / (1 / Math.sqrt(3 * big.weight.shape[0]))).toBeGreaterThan(0.8);
    expect(std / (1 / Math.sqrt(3 * big.weight.shape[0]))).toBeLessThan(1.2);
    a.dispose();
    b.dispose();
  });
});
