import { beforeAll, describe, expect, it } from 'vitest';
import { Trainer, captioning, createModel, createShapesWorld, initBackend, shapesTokenizer, silentLogger, tf } from '@vlalign/core';
import { bitsEqual } from '../testing/tiny-stack.js';
import { plora } from './plora-plugin.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('plora() with captioning() in the core Trainer', () => {
  it('trains only the adapters, keeps text-only LM outputs bit for bit, reports adapter stats, leaks nothing', async () => {
    const tokenizer = shapesTokenizer();
    const model = createModel(
      'vlm',
      {
        vision: { imageSize: 16, patchSize: 8, width: 32, layers: 1, heads: 2, mlpHidden: 64 },
        lm: { vocabSize: tokenizer.vocabSize, maxLength: 48, width: 32, layers: 1, heads: 2, mlpHidden: 64 },
        projectorHidden: 32,
      },
      { seed: 1 },
    );
    const ids = tf.tensor2d([[1, 5, 9, 12, 7, 2]], undefined, 'int32');
    model.eval();
    const textOnly = model.lm.forward(ids).logits;
    const baseWeights = Object.fromEntries(model.namedParameters().map(([n, v]) => [n, tf.clone(v)]));
    const counts: number[] = [];
    const trainer = new Trainer({
      model,
      tokenizer,
      plugins: [captioning({ maxLength: 24, maxEvalSamples: 4 }), plora({ rank: 4, alpha: 4 })],
      data: createShapesWorld({ seed: 1, size: 16, split: 'train', imageSize: 16, maxObjects: 2 }),
      evalData: createShapesWorld({ seed: 1, size: 4, split: 'val', imageSize: 16, maxObjects: 2 }),
      batchSize: 4,
      steps: 4,
      optimizer: { lr: 1e-2 },
      logEvery: 1,
      logger: silentLogger,
      progress: false,
      onLog: (r) => {
        if (r.split === 'train') counts.push(tf.memory().numTensors);
      },
    });
    const result = await trainer.fit();
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(result.evalMetrics['plora/adapter_modules']).toBe(6);
    expect(result.evalMetrics['plora/trainable_fraction']).toBeGreaterThan(0);
    expect(result.evalMetrics['plora/trainable_fraction']).toBeLessThan(0.2);
    // Base weights untouched, adapters moved.
    for (const [n, v] of model.namedParameters()) {
      if (/lora_[AB]/.test(n)) continue;
      expect(bitsEqual(v, baseWeights[n]), n).toBe(true);
    }
    // In the last block only the visual rows' keys and values can reach the text loss, so v_proj's
    // adapter learns while the MLP's stays at B = 0 (zero gradient): Partial LoRA's structure.
    const moved = (path: string) => tf.tidy(() => tf.any(tf.notEqual(model.getModule(path).parameters()[0], 0)).dataSync()[0]);
    expect(moved('lm.blocks.0.attn.v_proj.lora_B')).toBe(1);
    expect(moved('lm.blocks.0.mlp.fc1.lora_B')).toBe(0);
    model.eval();
    expect(bitsEqual(model.lm.forward(ids).logits, textOnly)).toBe(true);
    trainer.dispose();
    model.dispose();
  });
});
