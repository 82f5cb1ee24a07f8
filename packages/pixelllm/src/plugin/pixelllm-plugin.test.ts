import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, Trainer, captioning, initBackend, silentLogger, tf, type Sample } from '@vlalign/core';
import { pixelllm, pixelLlmModules } from './pixelllm-plugin.js';
import { TestContext, tinyVlm, tinyWorld, tokenizer } from '../testing/tiny-setup.js';

describe('pixelllm plugin', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each([
    ['share', false, 'mlp'],
    ['extra', false, 'mlp'],
    ['extra', true, 'mlp'],
    ['extra', false, 'visual-attention'],
  ] as const)('trains captioning + points + location prompts + referring with falling loss and no leaked tensors (taskRows %s, densePositions %s, head readout %s)', async (taskRows, densePositions, readout) => {
    const model = tinyVlm(tokenizer, 0);
    const plugin = pixelllm({ locationFraction: 0.25, referringFraction: 0.25, taskRows, promptEncoder: { densePositions }, head: { readout } });
    const ctx = new TestContext(model, tokenizer);
    await plugin.setup!(ctx);
    const data = tinyWorld('train', 8);
    const batch: Sample[] = Array.from({ length: 8 }, (_, i) => data.get(i));
    const vars = [model, ...ctx.modules.values()].flatMap((m) => m.trainableParameters());
    const opt = new AdamW({ weightDecay: 0 });
    const losses: number[] = [];
    const counts: number[] = [];
    const metricKeys = new Set<string>();
    for (let step = 0; step < 12; step++) {
      ctx.resetRandom();
      const { value, grads } = tf.variableGrads(() => {
        const out = plugin.loss!(batch, ctx, undefined);
        for (const k of Object.keys(out.metrics ?? {})) metricKeys.add(k);
        tf.dispose(Object.values(out.metrics ?? {}).filter((m): m is tf.Tensor => m instanceof tf.Tensor));
        return out.loss;
      }, vars);
      opt.step(grads, 3e-3);
      losses.push(value.dataSync()[0]);
      tf.dispose([value, ...Object.values(grads)]);
      counts.push(tf.memory().numTensors);
    }
    expect([...metricKeys].sort()).toEqual(readout === 'mlp' ? ['caption_loss', 'point_loss'] : ['caption_loss', 'point_loss', 'point_loss_direct']);
    const first = (losses[0] + losses[1] + losses[2]) / 3;
    const last = (losses[9] + losses[10] + losses[11]) / 3;
    expect(last).toBeLessThan(first * 0.85);
    // Optimizer slots are created at step 1; from then on the count must not move.
    expect(new Set(counts.slice(1)).size).toBe(1);
    // Every trainable head / encoder parameter got a gradient (the frozen Fourier matrix did not move).
    const { head, promptEncoder } = pixelLlmModules(ctx);
    expect(head.trainableParameters().length).toBeGreaterThan(0);
    expect(head.readout).toBe(readout);
    expect(promptEncoder.parameters().length - promptEncoder.trainableParameters().length).toBe(1);
    opt.dispose();
    model.dispose();
    head.dispose();
    promptEncoder.dispose();
  });

  it('mixes with the core captioning plugin in the Trainer and runs its eval hooks', async () => {
    const model = tinyVlm(tokenizer, 1);
    const before = tf.memory().numTensors;
    const trainer = new Trainer({
      model,
      tokenizer,
      plugins: [captioning({ maxLength: 24 }), { plugin: pixelllm({ maxLength: 24, eval: { maxSamples: 4, batchSize: 4, maxNewTokens: 4 } }), weight: 1 }],
      data: tinyWorld('train', 16),
      evalData: tinyWorld('test', 4),
      batchSize: 4,
      steps: 2,
      seed: 0,
      optimizer: { lr: 1e-3 },
      logger: silentLogger,
      progress: false,
      handleSigint: false,
    });
    const fit = await trainer.fit();
    expect(fit.metrics['pixelllm/caption_loss']).toBeGreaterThan(0);
    expect(fit.metrics['pixelllm/point_loss']).toBeGreaterThan(0);
    const ev = fit.evalMetrics;
    for (const k of ['point_l1', 'point_l1_centre_baseline', 'caption_ce', 'p_at_0_5', 'referring_mean_iou', 'location_caption_accuracy', 'location_caption_accuracy_whole_image']) {
      expect(Number.isFinite(ev[`pixelllm/${k}`]), k).toBe(true);
    }
    expect(ev['pixelllm/point_l1']).toBeGreaterThan(0);
    expect(ev['pixelllm/p_at_0_5']).toBeGreaterThanOrEqual(0);
    expect(ev['pixelllm/p_at_0_5']).toBeLessThanOrEqual(1);
    trainer.dispose();
    model.dispose();
    // Only the plugin's registered modules (disposed with the trainer or not) may remain.
    expect(tf.memory().numTensors - before).toBeLessThan(200);
  });
});
