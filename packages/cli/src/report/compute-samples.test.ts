import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { parseConfig } from '../config/load-config.js';
import { runTraining } from '../run/run-training.js';
import { runReport } from '../commands/report.js';
import { loadRunConfig } from '../run/run-folder.js';
import { computeReportSamples, rebuildRun } from './compute-samples.js';
import { findLatestCheckpoint } from '@vlalign/core';

/** Tensors a bare Trainer.restore + dispose leaves behind (core's own; 0 once AdamW.setState frees its zero slots). */
async function restoreBaselineLeak(runDir: string): Promise<number> {
  const { config, configDir } = loadRunConfig(runDir);
  const before = tf.memory().numTensors;
  const { trainer, model } = await rebuildRun(config, configDir, process.cwd());
  await trainer.restore(findLatestCheckpoint(runDir)!);
  trainer.dispose();
  model.dispose();
  return tf.memory().numTensors - before;
}

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'vlalign-report-samples-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A tiny VLM (32x32 images -> 16 visual tokens) trained for 2 steps, so the test stays fast.
function vlmConfig(runDir: string) {
  return parseConfig({
    name: 'tiny-vlm',
    backend: 'wasm',
    model: { kind: 'vlm', preset: 'tiny', overrides: { vision: { imageSize: 32 }, lm: { maxLength: 48, layers: 1 }, } },
    data: { train: { shapesWorld: { size: 16, seed: 0, imageSize: 32 } } },
    plugins: [{ use: 'captioning' }],
    train: { steps: 2, batchSize: 4, logEvery: 1, checkpointEvery: 2 },
    output: { dir: runDir },
  });
}

describe('computeReportSamples', () => {
  it('captions test images from the latest checkpoint of a VLM run, without leaking tensors', async () => {
    const runDir = join(dir, 'vlm');
    await runTraining(vlmConfig(runDir), { configDir: dir });
    const baseline = await restoreBaselineLeak(runDir);
    const before = tf.memory().numTensors;
    const { samples, note, checkpoint } = await computeReportSamples(runDir, { count: 3, maxNewTokens: 6 });
    // everything the report itself allocates is freed (beyond what core's restore leaves, see above)
    expect(tf.memory().numTensors - before).toBe(baseline);
    expect(note).toBeUndefined();
    expect(checkpoint).toMatch(/step-00000002$/);
    expect(samples).toHaveLength(3);
    for (const s of samples) {
      expect(s.image.width).toBe(32);
      expect(typeof s.caption).toBe('string');
      expect(s.caption.split(' ').filter(Boolean).length).toBeLessThanOrEqual(6);
      expect(s.reference).toMatch(/^an? /);
    }
  });

  it('the report command writes the page with the captioned grid', async () => {
    const file = await runReport(join(dir, 'vlm'), { samples: 2 });
    expect(existsSync(file)).toBe(true);
    const html = readFileSync(file, 'utf8');
    expect(html.match(/<figure class="sample"/g)).toHaveLength(2);
    expect(html.match(/<figure class="chart"/g)?.length).toBeGreaterThanOrEqual(3);
  });

  it('gives reference captions and says why for a run without a checkpoint', async () => {
    const runDir = join(dir, 'no-ckpt');
    const cfg = vlmConfig(runDir);
    cfg.train.steps = 1;
    cfg.train.checkpointEvery = undefined;
    await runTraining(cfg, { configDir: dir });
    rmSync(join(runDir, 'checkpoints'), { recursive: true, force: true });
    const { samples, note } = await computeReportSamples(runDir, { count: 2 });
    expect(note).toMatch(/has no checkpoint yet/);
    expect(samples.map((s) => s.caption)).toEqual(['(not generated)', '(not generated)']);
  });
});
