import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { formatMetricsTable, formatMetricValue } from './metrics-table.js';
import { formatDuration, ProgressLine } from './progress.js';

describe('formatMetricsTable', () => {
  it('renders runs x metrics with right-aligned numbers and - for missing cells', () => {
    const t = formatMetricsTable({ sft: { cider: 0.41234, chair: 0.12 }, cal: { cider: 0.47, pope: 0.9 } });
    expect(t).toBe(['run   cider  chair  pope', 'sft  0.4123   0.12     -', 'cal    0.47      -   0.9'].join('\n'));
  });
  it('renders a flat record as metric | value, and markdown', () => {
    expect(formatMetricsTable({ loss: 2.5, steps: 100 })).toBe(['metric  value', 'loss      2.5', 'steps     100'].join('\n'));
    expect(formatMetricsTable({ loss: 2.5 }, { format: 'markdown' })).toBe(['| metric | value |', '| ------ | ----: |', '| loss   |   2.5 |'].join('\n'));
  });
  it('formats small, large and non-finite values', () => {
    expect(formatMetricValue(0.000123)).toBe('1.230e-4');
    expect(formatMetricValue(NaN)).toBe('NaN');
    expect(formatMetricValue(12)).toBe('12');
    expect(formatDuration(125)).toBe('2m05s');
  });
});

describe('logger and progress line', () => {
  it('writes whole lines without cursor control, and the bar only on a TTY', () => {
    let out = '';
    const stream = { write: (s: string) => (out += s) };
    const log = createLogger({ stream, quiet: false });
    log.info('hello');
    log.warn('careful');
    expect(out).toBe('[vlalign] hello\n[vlalign] warning: careful\n');
    out = '';
    new ProgressLine({ stream }).update(1, 10, { loss: 1 }, 2);
    expect(out).toBe('');
    const bar = new ProgressLine({ stream: { ...stream, isTTY: true } });
    bar.update(5, 10, { loss: 1.5 }, 2);
    expect(out).toContain('step 5/10 [##########..........] 50% loss 1.5 2.00 it/s eta 3s');
    bar.clear();
    expect(out.endsWith('\r\x1b[2K')).toBe(true);
  });
});
