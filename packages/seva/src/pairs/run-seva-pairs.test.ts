import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, initBackend, saveSafetensors, shapesTokenizer, type VisionLanguageModel } from '@vlalign/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSevaPairs } from './run-seva-pairs.js';

const overrides = {
  vision: { imageSize: 16, patchSize: 8, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
  lm: { maxLength: 40, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
  projectorHidden: 16,
};
let dir: string;

describe('runSevaPairs (vlalign seva pairs <config>)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'seva-run-pairs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the training config (model.init, data.train, plugins[seva].options.pairs) and writes the pairs', async () => {
    const tok = shapesTokenizer();
    // model.init weights: the same architecture the config builds (preset tiny + overrides).
    const sft = createModel('vlm', { ...overrides, lm: { ...overrides.lm, vocabSize: tok.vocabSize } }, { seed: 9 }) as VisionLanguageModel;
    saveSafetensors(join(dir, 'sft.safetensors'), sft.stateDict());
    sft.dispose();
    mkdirSync(join(dir, 'cfg'));
    const config = join(dir, 'cfg', 'seva.yaml');
    writeFileSync(
      config,
      [
        'seed: 2',
        `model: { kind: vlm, preset: tiny, init: ../sft.safetensors, overrides: ${JSON.stringify(overrides)} }`,
        'data: { train: { shapesWorld: { size: 50, seed: 1, split: train, imageSize: 16 } } }',
        'plugins:',
        '  - use: seva',
        '    options: { beta: 0.1, pairs: { out: ../out/pairs.jsonl, augmentation: flip, maxNewTokens: 6, limit: 4 } }',
        'train: { steps: 1 }',
      ].join('\n'),
    );
    const logs: string[] = [];
    const r = await runSevaPairs(config, { log: (m) => logs.push(m) });
    expect(r.processed).toBe(4);
    expect(r.out).toBe(join(dir, 'out', 'pairs.jsonl'));
    expect(readFileSync(r.out, 'utf8').trim().split('\n').filter(Boolean)).toHaveLength(r.kept);
    expect(logs.at(-1)).toMatch(/wrote \d+ pairs .* dropped as identical/);
    writeFileSync(config, readFileSync(config, 'utf8').replace('augmentation: flip', 'augmentation: blur'));
    await expect(runSevaPairs(config)).rejects.toThrow(/options\.pairs: "augmentation" must be one of diffusion, flip, crop, jitter; got "blur"/);
  });
});
