import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Linear, Module, initBackend, loadSafetensors, tf } from '@vlalign/core';
import fixture from '../fixtures/lora.fixture.json';
import { LoraLinear } from '../layer/lora-linear.js';
import { TinyStack, bitsEqual } from '../testing/tiny-stack.js';
import { applyLoRA, applyPartialLoRA } from '../inject/apply-lora.js';
import { loadAdapters, saveAdapters } from './adapter-files.js';
import { baseModelFingerprint } from './base-fingerprint.js';

const root = mkdtempSync(join(tmpdir(), 'plora-adapters-'));
beforeAll(async () => {
  await initBackend('wasm');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const input = () => tf.randomNormal([2, 4, 16], 0, 1, 'float32', 41);

/** A one-layer model holding the fixture's base layer as `proj`. */
class OneLayer extends Module {
  constructor() {
    super();
    const lin = this.registerModule('proj', new Linear(6, 4));
    lin.loadStateDict({ weight: tf.tensor2d(fixture.weight_in_out), bias: tf.tensor1d(fixture.bias) });
  }
}

describe('saveAdapters / loadAdapters', () => {
  it('round-trips adapters onto a fresh copy of the base model (same outputs bit for bit)', () => {
    const model = new TinyStack(16, 2, 0);
    applyPartialLoRA(model, { targets: ['q_proj', 'fc2'], rank: 3, alpha: 6, dropout: 0.05, initLoraWeights: false, seed: 8 });
    applyLoRA(model, { targets: ['head'], rank: 2, alpha: 2 });
    tf.tidy(() => (model.getModule('head') as LoraLinear).loraB.assign(tf.randomNormal([2, 3], 0, 1, 'float32', 3)));
    model.eval();
    const dir = join(root, 'roundtrip');
    const saved = saveAdapters(model, dir);
    expect(saved.targets).toEqual(['blocks.0.attn.q_proj', 'blocks.0.mlp.fc2', 'blocks.1.attn.q_proj', 'blocks.1.mlp.fc2', 'head']);
    const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({
      peft_type: 'LORA',
      r: 3,
      lora_alpha: 6,
      lora_dropout: 0.05,
      use_rslora: false,
      partial: true,
      rank_pattern: { head: 2 },
      alpha_pattern: { head: 2 },
      partial_pattern: { head: false },
      dropout_pattern: { head: 0 },
      base_model_fingerprint: baseModelFingerprint(model),
    });
    const { tensors, metadata } = loadSafetensors(join(dir, 'adapter_model.safetensors'));
    expect(metadata.format).toBe('pt');
    expect(tensors['base_model.model.blocks.0.mlp.fc2.lora_A.weight'].shape).toEqual([3, 32]);
    expect(tensors['base_model.model.blocks.0.mlp.fc2.lora_B.weight'].shape).toEqual([16, 3]);
    tf.dispose(Object.values(tensors));

    const fresh = new TinyStack(16, 2, 0);
    const loaded = loadAdapters(fresh, dir);
    expect(loaded.injected).toEqual(saved.targets);
    fresh.eval();
    const x = input();
    const mask = tf.tensor2d([[1, 0, 1, 0], [0, 0, 1, 1]]);
    expect(bitsEqual(fresh.forward(x, mask), model.forward(x, mask))).toBe(true);
    expect(fresh.parameterCount(true)).toBe(2 * (3 * 16 + 3 * 16) + 2 * (3 * 32 + 3 * 16) + (2 * 16 + 2 * 3));
    const q = fresh.getModule('blocks.1.attn.q_proj') as LoraLinear;
    expect([q.partial, q.rank, q.alpha, q.dropout]).toEqual([true, 3, 6, 0.05]);
    // Loading again onto the adapted model assigns in place.
    expect(loadAdapters(fresh, dir).injected).toEqual([]);
    model.dispose();
    fresh.dispose();
  });

  it('writes factors in PEFT / PyTorch layout: lora_A [r, in], lora_B [out, r]', () => {
    const model = new OneLayer();
    applyLoRA(model, { targets: ['proj'], rank: 3, alpha: fixture.alpha });
    model.loadStateDict({ 'proj.lora_A.weight': tf.tensor2d(fixture.lora_A_in_r), 'proj.lora_B.weight': tf.tensor2d(fixture.lora_B_r_out) }, { strict: false });
    const dir = join(root, 'layout');
    saveAdapters(model, dir);
    const { tensors } = loadSafetensors(join(dir, 'adapter_model.safetensors'));
    const close = (t: tf.Tensor, ref: number[][]) => (t.arraySync() as number[][]).every((row, i) => row.every((v, j) => Math.abs(v - ref[i][j]) < 1e-6));
    expect(close(tensors['base_model.model.proj.lora_A.weight'], fixture.peft_lora_A_weight)).toBe(true);
    expect(close(tensors['base_model.model.proj.lora_B.weight'], fixture.peft_lora_B_weight)).toBe(true);
    tf.dispose(Object.values(tensors));
    model.dispose();
  });

  it('refuses a different base model, naming what differs', () => {
    const model = new TinyStack(16, 2, 0);
    applyPartialLoRA(model, { targets: ['fc1'] });
    const dir = join(root, 'mismatch');
    saveAdapters(model, dir);

    const deeper = new TinyStack(16, 3, 0);
    expect(() => loadAdapters(deeper, dir)).toThrow(/different base model.*"blocks\.2\.attn\.q_proj\.weight" \[16,16\] is in the model but not in the adapter's base/s);
    const wider = new TinyStack(24, 2, 0);
    expect(() => loadAdapters(wider, dir)).toThrow(/"blocks\.0\.attn\.k_proj\.weight" is \[24,24\] in the model but \[16,16\] in the adapter's base/);
    // Without the fingerprint check the per-module checks still name the problem.
    expect(() => loadAdapters(wider, dir, { checkFingerprint: false })).toThrow(/tensor "base_model\.model\.blocks\.0\.mlp\.fc1\.lora_A\.weight" is \[8,16\] but module "blocks\.0\.mlp\.fc1" needs \[8,24\]/);
    for (const m of [model, deeper, wider]) m.dispose();
  });

  it('reports missing modules, extra tensors and bad config files', () => {
    const model = new TinyStack(16, 2, 0);
    applyLoRA(model, { targets: ['head'] });
    const dir = join(root, 'edited');
    saveAdapters(model, dir);
    const configPath = join(dir, 'adapter_config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    writeFileSync(configPath, JSON.stringify({ ...config, target_modules: ['tail'] }));
    const fresh = new TinyStack(16, 2, 0);
    expect(() => loadAdapters(fresh, dir)).toThrow(/module "tail" does not exist in the model.*not in target_modules: base_model\.model\.head\.lora_A\.weight.*Linear modules of the model: blocks\.0\.attn\.q_proj/s);
    writeFileSync(configPath, JSON.stringify({ ...config, r: 'eight' }));
    expect(() => loadAdapters(fresh, dir)).toThrow(/adapter_config\.json:\n {2}r: /);
    expect(() => loadAdapters(fresh, join(root, 'nowhere'))).toThrow(/adapter_config\.json does not exist/);
    expect(fresh.parameterCount()).toBe(new TinyStack(16, 2, 0).parameterCount());
    model.dispose();
    fresh.dispose();
  });
});
