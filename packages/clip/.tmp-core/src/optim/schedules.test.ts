import { describe, expect, it } from 'vitest';
import { constantWithWarmup, cosineWithWarmup } from './schedules.js';
import fixture from './fixtures/optim.fixture.json';

describe('LR schedules vs torch LambdaLR', () => {
  for (const c of fixture.schedules) {
    it(`${c.kind} warmup=${c.warmupSteps}`, () => {
      const s =
        c.kind === 'cosine'
          ? cosineWithWarmup({ warmupSteps: c.warmupSteps, totalSteps: (c as { totalSteps: number }).totalSteps, minLrRatio: (c as { minLrRatio: number }).minLrRatio })
          : constantWithWarmup({ warmupSteps: c.warmupSteps });
      c.values.forEach((v, step) => expect(s(step)).toBeCloseTo(v, 10));
    });
  }
  it('rejects bad options with the field name', () => {
    expect(() => cosineWithWarmup({ totalSteps: 0 })).toThrow(/totalSteps/);
    expect(() => cosineWithWarmup({ totalSteps: 10, minLrRatio: 2 })).toThrow(/minLrRatio/);
    expect(() => constantWithWarmup({ warmupSteps: -1 })).toThrow(/warmupSteps/);
  });
});
