import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShapesWorld, initBackend, silentLogger, Trainer, type TrainerLogRecord } from '@vlalign/core';
import { clip } from './clip-plugin.js';
import { tinyDualEncoder, tokenizer } from '../testing/tiny-models.js';

const tmp = mkdtempSync(join(tmpdir(), 'vlalign-clip-resume-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Trains 6 steps into `runDir`; `interruptAt` emits SIGINT after that step, as Ctrl-C would. */
async function run(runDir: string, interruptAt?: number) {
  const model = tinyDualEncoder();
  const trainer = new Trainer({
    model,
    tokenizer,
    plugins: [clip({ retrieval: { batchSize: 8 } })],
    data: createShapesWorld({ seed: 1, size: 32, split: 'train', imageSize: 16, maxObjects: 2 }),
    evalData: createShapesWorld({ seed: 1, size: 8, split: 'val', imageSize: 16, maxObjects: 1 }),
    batchSize: 8,
    steps: 6,
    optimizer: { lr: 1e-3 },
    runDir,
    logEvery: 1,
    logger: silentLogger,
    progress: false,
    onLog: (r: TrainerLogRecord) => {
      if (r.split === 'train' && r.step === interruptAt) process.emit('SIGINT');
    },
  });
  try {
    return await trainer.fit();
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

describe('clip: interrupted with SIGINT, resumed', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('finishes with the same final eval metrics as an uninterrupted run', async () => {
    const straight = await run(join(tmp, 'straight'));
    const first = await run(join(tmp, 'resumed'), 3);
    expect(first).toMatchObject({ step: 3, interrupted: true });
    const resumed = await run(join(tmp, 'resumed'));
    expect(resumed).toMatchObject({ step: 6, interrupted: false, resumedFrom: 3 });
    expect(resumed.metrics['clip/loss']).toBe(straight.metrics['clip/loss']);
    expect(Object.keys(resumed.evalMetrics).length).toBeGreaterThan(5);
    expect(resumed.evalMetrics).toEqual(straight.evalMetrics);
  });
});
