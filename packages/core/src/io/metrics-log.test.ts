import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricsWriter, readMetrics, truncateMetricsAfter } from './metrics-log.js';
import { tempDir } from './test-helpers.js';

describe('metrics log', () => {
  it('appends one JSON object per line and reads it back, non-finite numbers included', () => {
    const path = join(tempDir(), 'run', 'metrics.jsonl');
    let ms = 1_700_000_000_000;
    const w = new MetricsWriter(path, { now: () => (ms += 500) });
    w.write(1, { loss: 2.5, 'clip/acc': 0.25, split: 'train' });
    w.write(2, { loss: NaN, grad: Infinity, low: -Infinity, step: 99 });
    expect(readFileSync(path, 'utf8')).toBe(
      '{"step":1,"time":1700000000.5,"loss":2.5,"clip/acc":0.25,"split":"train"}\n' +
        '{"step":2,"time":1700000001,"loss":"NaN","grad":"Infinity","low":"-Infinity"}\n',
    );
    const records = readMetrics(path);
    expect(records[0]).toEqual({ step: 1, time: 1700000000.5, loss: 2.5, 'clip/acc': 0.25, split: 'train' });
    expect(records[1].loss).toBeNaN();
    expect(records[1].grad).toBe(Infinity);
    expect(records[1].low).toBe(-Infinity);
  });

  it('reports the line number of a malformed line', () => {
    const path = join(tempDir(), 'm.jsonl');
    writeFileSync(path, '{"step":1}\n\n{"step":2,\n{"step":3}\n');
    expect(() => readMetrics(path)).toThrow(new RegExp(`${path}:3: malformed JSON`));
    writeFileSync(path, '{"step":1}\n{"loss":2}\n');
    expect(() => readMetrics(path)).toThrow(/m\.jsonl:2: expected a JSON object with a numeric "step"/);
  });

  it('truncates entries after a resumed step, dropping a line cut off by a crash', () => {
    const path = join(tempDir(), 'm.jsonl');
    const w = new MetricsWriter(path, { now: () => 0 });
    for (let s = 1; s <= 5; s++) w.write(s, { loss: 1 / s });
    appendFileSync(path, '{"step":6,"lo'); // a crash mid-write
    expect(truncateMetricsAfter(path, 3)).toBe(3);
    expect(readMetrics(path).map((r) => r.step)).toEqual([1, 2, 3]);
    expect(truncateMetricsAfter(path, 3)).toBe(0);
    expect(truncateMetricsAfter(join(tempDir(), 'missing.jsonl'), 3)).toBe(0);
    writeFileSync(path, '{"step":1}\nnot json\n{"step":2}\n');
    expect(() => truncateMetricsAfter(path, 1)).toThrow(/m\.jsonl:2: malformed JSON/);
  });
});
