import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@vlalign/core';
import { writeRunReport } from './write-run-report.js';
import { FAKE_RUN_CHARTS, fakeSamples, writeFakeRun } from './test-helpers.js';

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'vlalign-report-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeRunReport', () => {
  it('writes a self-contained page with one inline SVG per chart and one PNG per sample', async () => {
    const run = join(dir, 'run');
    writeFakeRun(run);
    const out = await writeRunReport(run, { samples: fakeSamples(4), now: new Date('2025-01-02T03:04:05Z') });
    expect(out).toBe(join(run, 'report.html'));
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<figure class="chart"/g)).toHaveLength(FAKE_RUN_CHARTS);
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(4);
    expect(html.match(/<svg class="word-points"/g)).toHaveLength(2);
    // offline: nothing to fetch, no scripts
    expect(html).not.toMatch(/https?:|<script|<link|@import|url\((?!#)/i);
    // config is escaped, environment present
    expect(html).toContain('fake &lt;run&gt; &amp; &quot;quotes&quot;');
    expect(html).not.toContain('fake <run>');
    expect(html).toContain('2025-01-02T03:04:05.000Z');
    expect(html).toMatch(/wasm \(tfjs-core 4\.22\.0\), threads 2, SIMD yes/);
    expect(html).toContain('@vlalign/native active (GEMM: openblas (Haswell))');
    expect(html).toContain('@vlalign/core');
    for (const id of ['loss', 'loss-captioning', 'loss-clip', 'lr', 'grad-norm', 'eval-clip', 'eval-captioning']) expect(html).toContain(`id="chart-${id}"`);
  });

  it('writes a page without a grid and says why', async () => {
    const run = join(dir, 'no-samples');
    writeFakeRun(run);
    const out = await writeRunReport(run, { out: join(dir, 'elsewhere', 'r.html'), samplesNote: 'nothing to caption here' });
    const html = readFileSync(out, 'utf8');
    expect(html).not.toContain('<img');
    expect(html).toContain('nothing to caption here');
  });

  it('rejects a folder that is not a run folder, and malformed samples', async () => {
    await expect(writeRunReport(join(dir, 'missing'))).rejects.toThrow(/is not a run folder \(no config\.json/);
    const run = join(dir, 'bad-sample');
    writeFakeRun(run);
    const [s] = fakeSamples(1);
    await expect(writeRunReport(run, { samples: [{ ...s, image: { ...s.image, width: 7 } }] })).rejects.toThrow(/samples\[0\]\.image\.data must be a Uint8Array of width\*height\*3/);
  });
});
