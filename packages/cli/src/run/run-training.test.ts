import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@vlalign/core';
import { parseConfig } from '../config/load-config.js';
import { runTraining } from './run-training.js';

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'vlalign-run-training-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (runDir: string, init?: string) =>
  parseConfig({
    name: 'tiny-vlm',
    backend: 'wasm',
    model: { kind: 'vlm', preset: 'tiny', overrides: { vision: { imageSize: 32 }, lm: { maxLength: 48, layers: 1 } }, ...(init ? { init } : {}) },
    data: { train: { shapesWorld: { size: 16, seed: 0, imageSize: 32 } }, eval: { shapesWorld: { size: 4, seed: 0, split: 'test', imageSize: 32 } } },
    plugins: [{ use: 'captioning' }],
    train: { steps: 2, batchSize: 4, logEvery: 1, checkpointEvery: 2 },
    output: { dir: runDir },
  });

describe('runTraining({ evalOnly })', () => {
  it('evaluates the model.init weights of a run that has no checkpoint yet, as the source run evaluates them', async () => {
    const trained = join(dir, 'trained');
    const run = await runTraining(config(trained), { configDir: dir });
    run.model.dispose();
    // The same weights by two routes: the trained run's own checkpoint, and a fresh config that
    // starts from it (model.init) and has not trained.
    const fromCheckpoint = await runTraining(config(trained), { configDir: dir, evalOnly: true });
    fromCheckpoint.model.dispose();
    const fromInit = await runTraining(config(join(dir, 'fresh'), trained), { configDir: dir, evalOnly: true });
    fromInit.model.dispose();
    expect(Object.keys(fromInit.result.evalMetrics).length).toBeGreaterThan(0);
    expect(fromInit.result.evalMetrics).toEqual(fromCheckpoint.result.evalMetrics);
    expect(fromInit.result.step).toBe(0);
  });

  it('refuses a run with neither a checkpoint nor model.init', async () => {
    await expect(runTraining(config(join(dir, 'empty')), { configDir: dir, evalOnly: true })).rejects.toThrow(/has no checkpoint; train first .*or set model\.init/);
  });
});
