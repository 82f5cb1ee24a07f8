import { beforeAll, describe, expect, it } from 'vitest';
import { Linear, initBackend, tf } from '@vlalign/core';
import { LoraLinear } from '../layer/lora-linear.js';
import { TinyStack, bitsEqual, maxAbsDiff, sgdSteps } from '../testing/tiny-stack.js';
import { applyLoRA, applyPartialLoRA } from './apply-lora.js';
import { listLinearModules, listTargetModules } from './target-modules.js';

const x = () => tf.randomNormal([2, 5, 16], 0, 1, 'float32', 21);
const target = () => tf.randomNormal([2, 5, 3], 0, 1, 'float32', 22);

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`applyLoRA / applyPartialLoRA on a core-nn stack (${backend})`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('adapts exactly the selected linear layers and leaves the outputs unchanged at init', () => {
      const model = new TinyStack();
      const input = x();
      const before = model.forward(input);
      const names = Object.keys(model.stateDict());
      const result = applyLoRA(model, { targets: ['q_proj', 'attn.v_proj'], rank: 2 });
      expect(result.targets).toEqual(['blocks.0.attn.q_proj', 'blocks.0.attn.v_proj', 'blocks.1.attn.q_proj', 'blocks.1.attn.v_proj']);
      for (const p of result.targets) expect(model.getModule(p)).toBeInstanceOf(LoraLinear);
      expect(model.getModule('blocks.0.attn.k_proj')).toBeInstanceOf(Linear);
      // Base names are unchanged; adapters add <path>.lora_A.weight / lora_B.weight.
      const after = Object.keys(model.stateDict());
      expect(after.filter((n) => !/lora_[AB]/.test(n)).sort()).toEqual([...names].sort());
      expect(after.filter((n) => /lora_[AB]/.test(n))).toContain('blocks.1.attn.v_proj.lora_B.weight');
      expect(bitsEqual(model.forward(input), before)).toBe(true);
      model.dispose();
    });

    it('freezes everything but the adapters (and trainableModules) and reports the counts', () => {
      const model = new TinyStack();
      const total = model.parameterCount();
      const result = applyLoRA(model, { targets: /blocks\.\d+\.mlp\.fc[12]/, rank: 4 });
      const adapter = 2 * (4 * 16 + 4 * 32) + 2 * (4 * 32 + 4 * 16);
      expect(result.adapterParameters).toBe(adapter);
      expect(result.totalParameters).toBe(total + adapter);
      expect(result.trainableParameters).toBe(adapter);
      const trainable = model.namedParameters().filter(([, v]) => v.trainable).map(([n]) => n);
      expect(trainable.every((n) => /lora_[AB]\.weight$/.test(n))).toBe(true);
      model.dispose();

      const other = new TinyStack();
      const r2 = applyPartialLoRA(other, { targets: ['out_proj'], trainableModules: ['head'] });
      expect(r2.trainableParameters).toBe(r2.adapterParameters + 16 * 3 + 3);
      expect(() => applyLoRA(new TinyStack(), { targets: ['fc1'], trainableModules: ['nope'] })).toThrow(/no module matches "nope"/);
      other.dispose();
    });

    it('errors on targets that match nothing, listing the linear modules, and on applying twice', () => {
      const model = new TinyStack();
      expect(() => applyLoRA(model, { targets: ['query'] })).toThrow(/match no linear module.*blocks\.\*\.attn\.q_proj.*head/s);
      expect(() => applyLoRA(model, { targets: 'llm-all-linear' })).toThrow(/needs a causal language model/);
      expect(() => applyLoRA(model, { rank: 0 })).toThrow(/rank/);
      applyLoRA(model, { targets: ['q_proj'] });
      expect(() => applyPartialLoRA(model, { targets: ['blocks.0.attn.q_proj'] })).toThrow(/already have an adapter: blocks\.0\.attn\.q_proj/);
      // A string that is no preset is a full-match regex, as in PEFT.
      expect(() => listTargetModules(model, 'blocks\\.0\\.attn\\.q_proj')).toThrow(/already have an adapter/);
      expect(listTargetModules(model, 'blocks\\.1\\..*(k|v|out)_proj')).toEqual(['blocks.1.attn.k_proj', 'blocks.1.attn.v_proj', 'blocks.1.attn.out_proj']);
      model.dispose();
    });

    it('listTargetModules is a dry run', () => {
      const model = new TinyStack();
      const linears = listLinearModules(model);
      expect(listTargetModules(model, ['head'])).toEqual(['head']);
      expect(listLinearModules(model)).toEqual(linears);
      model.dispose();
    });

    it('Partial LoRA: training with random masks changes visual rows only; an all-false mask stays bit-for-bit the base; memory is flat', () => {
      const model = new TinyStack();
      const input = x();
      const y = target();
      const base = model.forward(input);
      applyPartialLoRA(model, { targets: ['q_proj', 'v_proj', 'out_proj', 'fc1', 'fc2', 'head'], rank: 4, alpha: 8, dropout: 0.1, seed: 3 });
      let step = 0;
      const loss = () => {
        const mask = tf.cast(tf.greater(tf.randomUniform([2, 5], 0, 1, 'float32', 100 + step++), 0.5), 'float32');
        return tf.mean(tf.square(tf.sub(model.forward(input, mask), y))) as tf.Scalar;
      };
      sgdSteps(model, loss, 2); // warm-up: the first step allocates kernels / caches
      const before = tf.memory().numTensors;
      const losses = sgdSteps(model, loss, 4);
      expect(tf.memory().numTensors).toBe(before);
      expect(losses.every(Number.isFinite)).toBe(true);
      model.eval();
      expect(bitsEqual(model.forward(input, tf.zeros([2, 5])), base)).toBe(true);
      expect(bitsEqual(model.forward(input), base)).toBe(true);
      expect(maxAbsDiff(model.forward(input, tf.ones([2, 5])), base)).toBeGreaterThan(1e-4);
      model.dispose();
    });
  });
}

describe('all-true Partial LoRA equals standard LoRA through a whole stack', () => {
  it('gives identical outputs for identical adapter weights', async () => {
    await initBackend('wasm');
    const a = new TinyStack();
    const b = new TinyStack();
    applyLoRA(a, { targets: 'blocks\\..*', initLoraWeights: false, seed: 4 });
    applyPartialLoRA(b, { targets: 'blocks\\..*', initLoraWeights: false, seed: 4 });
    const input = x();
    expect(bitsEqual(a.forward(input), b.forward(input, tf.ones([2, 5])))).toBe(true);
    a.dispose();
    b.dispose();
  });
});
