import { beforeAll, describe, expect, it } from 'vitest';
import { Linear, initBackend } from '@vlalign/core';
import { configSchema } from '../config/schema.js';
import { buildModel } from './build-model.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const maxLinearWeight = (model: ReturnType<typeof buildModel>) =>
  Math.max(...model.namedModules().filter(([, m]) => m instanceof Linear).map(([, m]) => Math.max(...Array.from((m as Linear).weight.dataSync()).map(Math.abs))));

describe('buildModel weightInit', () => {
  it("'fan-in' redraws the Linear weights (uniform ±1/√fan-in); 'default' keeps the truncated normal (|w| <= 0.04); bad values name the field", () => {
    const spec = (weightInit?: string) => configSchema.parse({ model: { kind: 'dual-encoder', preset: 'tiny', ...(weightInit ? { weightInit } : {}) }, data: { train: { shapesWorld: { size: 4 } } }, plugins: [{ use: 'clip' }], train: { steps: 1 } }).model;
    expect(spec().weightInit).toBe('default');
    const plain = buildModel(spec(), 1, 512, '.');
    const fanIn = buildModel(spec('fan-in'), 1, 512, '.');
    expect(maxLinearWeight(plain)).toBeLessThanOrEqual(0.04);
    // Width-64 layers draw up to 1/8: far outside the default's 2-sigma cut.
    expect(maxLinearWeight(fanIn)).toBeGreaterThan(0.1);
    expect(() => spec('xavier')).toThrow(/weightInit/);
    plain.dispose();
    fanIn.dispose();
  });
});
