import { describe, expect, it } from 'vitest';
import type { MetricsRecord } from '@vlalign/core';
import { buildChartSpecs } from './chart-series.js';

const rows: MetricsRecord[] = [
  { step: 1, time: 1, loss: 2, lr: 0, grad_norm: 1.5, 'clip/loss': 2, 'clip/temperature': 0.07, 'cal/loss': 1, 'cal/weighted_loss': 0.9, step_time_ms: 10 },
  { step: 2, time: 2, loss: NaN, lr: 0.001, grad_norm: 1.2, 'clip/loss': 1.5, 'clip/temperature': 0.07, 'cal/loss': 0.8, 'cal/weighted_loss': 0.7, step_time_ms: 10 },
  { step: 2, time: 3, split: 'eval', 'clip/r@1': 0.1, 'clip/r@5': 0.4, perplexity: 9 },
  { step: 3, time: 4, loss: 1, lr: 0.0005, 'clip/loss': 1, 'cal/loss': 0.5, 'cal/weighted_loss': 0.4 },
];

describe('buildChartSpecs', () => {
  it('makes the total, per-plugin loss, optimiser and per-namespace eval charts', () => {
    const specs = buildChartSpecs(rows);
    expect(specs.map((s) => s.id)).toEqual(['loss', 'loss-clip', 'loss-cal', 'lr', 'grad-norm', 'eval-clip', 'eval-metrics']);
    const byId = Object.fromEntries(specs.map((s) => [s.id, s]));
    // the diverged (NaN) step is left out of the line, not drawn as a gap in the axis
    expect(byId.loss.series[0].points).toEqual([[1, 2], [3, 1]]);
    // only loss-like plugin metrics go on a plugin's loss chart
    expect(byId['loss-clip'].series.map((s) => s.name)).toEqual(['clip/loss']);
    expect(byId['loss-cal'].series.map((s) => s.name)).toEqual(['cal/loss', 'cal/weighted_loss']);
    expect(byId['eval-clip'].series.map((s) => s.name)).toEqual(['clip/r@1', 'clip/r@5']);
    expect(byId['eval-clip'].series[0].points).toEqual([[2, 0.1]]);
    expect(byId['eval-metrics'].series[0].points).toEqual([[2, 9]]);
    // lr starts at 0, so no log axis
    expect(byId.lr.logY).toBe(false);
  });

  it('thins long series evenly, keeping the first and last point', () => {
    const long: MetricsRecord[] = Array.from({ length: 1001 }, (_, i) => ({ step: i + 1, time: i, loss: i }));
    const [spec] = buildChartSpecs(long, { maxPoints: 11 });
    expect(spec.series[0].points.map((p) => p[0])).toEqual([1, 101, 201, 301, 401, 501, 601, 701, 801, 901, 1001]);
  });

  it('gives no charts for an empty log', () => {
    expect(buildChartSpecs([])).toEqual([]);
  });
});
