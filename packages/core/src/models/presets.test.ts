import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { countModelParameters, createModel, listModelPresets } from './presets.js';
import { VisionLanguageModel } from './vision-language-model.js';
import { DualEncoder } from './dual-encoder.js';
import { CausalLM } from './causal-lm.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('model presets', () => {
  it('lists tiny and small presets for every kind, plus clip-bench', () => {
    const names = listModelPresets().map((p) => `${p.kind}/${p.name}`);
    expect(names).toEqual(expect.arrayContaining(['vlm/tiny', 'vlm/small', 'dual-encoder/tiny', 'dual-encoder/small', 'dual-encoder/clip-bench', 'lm/tiny', 'lm/small']));
  });

  it('parameter counts agree with the built models; clip-bench matches the benchmark model (920,704 + logit scale)', () => {
    for (const p of listModelPresets()) {
      const m = createModel(p.kind, p.name);
      expect(m.parameterCount(), `${p.kind}/${p.name}`).toBe(p.parameters);
      m.dispose();
    }
    const bench = listModelPresets().find((p) => p.name === 'clip-bench')!;
    expect(bench.parameters).toBe(920_704);
  });

  it('createModel builds the right class, accepts "vlm-tiny", overrides the vocabulary and is seeded', () => {
    const a = createModel('vlm', 'vlm-tiny', { seed: 5, vocabSize: 40 });
    expect(a).toBeInstanceOf(VisionLanguageModel);
    expect(a.config.lm.vocabSize).toBe(40);
    expect(a.lm.lm_head.stateDict().weight.shape).toEqual([64, 40]);
    const b = createModel('vlm', 'tiny', { seed: 5, vocabSize: 40 });
    const c = createModel('vlm', 'tiny', { seed: 6, vocabSize: 40 });
    const w = (m: VisionLanguageModel) => Array.from(m.stateDict()['lm.blocks.1.attn.v_proj.weight'].dataSync());
    expect(w(a)).toEqual(w(b));
    expect(w(a)).not.toEqual(w(c));
    expect(createModel('dual-encoder', 'tiny')).toBeInstanceOf(DualEncoder);
    expect(createModel('lm', 'tiny')).toBeInstanceOf(CausalLM);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('accepts a full config object and rejects unknown presets and bad configs clearly', () => {
    const cfg = { vocabSize: 10, maxLength: 8, width: 8, layers: 1, heads: 2, mlpHidden: 16 };
    const lm = createModel('lm', cfg);
    expect(lm.parameterCount()).toBe(countModelParameters('lm', cfg));
    lm.dispose();
    expect(() => createModel('vlm', 'huge')).toThrow(/no "vlm" preset named "huge"; available: tiny, small/);
    expect(() => createModel('lm', { ...cfg, heads: 3 })).toThrow(/CausalLM: invalid config: .*multiple of heads/);
    expect(() => createModel('lm', { ...cfg, extra: 1 } as never)).toThrow(/CausalLM: invalid config/);
    expect(() => createModel('gan' as never, 'tiny')).toThrow(/kind must be one of/);
  });

  it('tiny presets are small (for sub-second training steps)', () => {
    const tiny = listModelPresets().filter((p) => p.name === 'tiny');
    for (const p of tiny) expect(p.parameters!).toBeLessThan(400_000);
    expect(tf.memory().numTensors).toBeGreaterThanOrEqual(0);
  });
});
