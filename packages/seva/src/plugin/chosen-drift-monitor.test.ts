import { describe, expect, it } from 'vitest';
import { ChosenDriftMonitor } from './chosen-drift-monitor.js';

describe('ChosenDriftMonitor', () => {
  it('warns once, when the mean of the last `window` values first falls below -threshold', () => {
    const m = new ChosenDriftMonitor(1, 3);
    // windows: [-0.5,-1,-1.4] mean -0.967 (no); [-1,-1.4,-1.5] mean -1.3 (warn at step 3)
    expect(m.push(-0.5, 0)).toBeUndefined();
    expect(m.push(-1, 1)).toBeUndefined();
    expect(m.push(-1.4, 2)).toBeUndefined();
    expect(m.push(-1.5, 3)).toMatch(/^at step 3 the chosen answers' log-prob is 1\.30 nats per token below the reference \(mean of the last 3 steps; warning threshold 1\)/);
    expect(m.push(-5, 4)).toBeUndefined();
  });

  it('needs a full window, skips non-finite values and ignores rises', () => {
    const m = new ChosenDriftMonitor(0.5, 2);
    expect(m.push(-3, 0)).toBeUndefined(); // one value is not a window
    expect(m.push(Number.NaN, 1)).toBeUndefined();
    expect(m.push(2, 2)).toBeUndefined(); // window [-3, 2]: mean -0.5, not below -0.5
    expect(m.push(-4, 3)).toMatch(/1\.00 nats/); // [2, -4]: mean -1
  });

  it('rejects a threshold that is not a positive finite number', () => {
    for (const t of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => new ChosenDriftMonitor(t)).toThrow(/collapseWarning must be a finite number > 0/);
  });
});
