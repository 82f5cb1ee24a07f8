import { beforeAll, describe, expect, it } from 'vitest';
import { imagesToTensor, initBackend, tf } from '@vlalign/core';
import { pixelLlmLoss, type PixelLlmLossSettings } from './pixelllm-loss.js';
import { PointHead } from '../head/point-head.js';
import { LocationPromptEncoder } from '../prompt/location-prompt-encoder.js';
import { denseCaptionRow, referringRow } from '../targets/sample-rows.js';
import { tinyVlm, tinyWorld, tokenizer } from '../testing/tiny-setup.js';
import { expectAllClose } from '../testing/expect-close.js';

describe('pixelLlmLoss with referringPointLossWeight', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('is linear in the referring weight, reduces to the single point loss without referring rows, and to CE at zero weights', () => {
    const model = tinyVlm(tokenizer, 1);
    const head = new PointHead(model.config.lm.width, { seed: 2 });
    const enc = new LocationPromptEncoder(model.config.lm.width, { seed: 3 });
    const world = tinyWorld('train', 4);
    const samples = [0, 1, 2, 3].map((i) => world.get(i));
    const dense = samples.map((s) => denseCaptionRow(s, tokenizer));
    const mixed = [dense[0], dense[1], referringRow(samples[2].referring[0], tokenizer, 'where is'), referringRow(samples[3].referring[0], tokenizer, 'where is')];
    const images = imagesToTensor(samples.map((s) => s.image), model.config.vision.imageSize);
    const base: PixelLlmLossSettings = { tokenizer, maxLength: 32, pointLossWeight: 0.1, pointUnits: 'pixels' };
    const value = (rows: typeof dense, s: Partial<PixelLlmLossSettings>): number => {
      const out = pixelLlmLoss(model, head, enc, images, rows, { ...base, ...s });
      const v = out.loss.dataSync()[0];
      tf.dispose([out.loss, out.captionLoss, out.pointLoss]);
      return v;
    };
    const before = tf.memory().numTensors;
    const l0 = value(mixed, { referringPointLossWeight: 0 });
    const l1 = value(mixed, { referringPointLossWeight: 0.3 });
    const l2 = value(mixed, { referringPointLossWeight: 0.6 });
    expect(tf.memory().numTensors).toBe(before);
    expect(l1 - l0).toBeGreaterThan(0);
    expect(Math.abs(l2 - l1 - (l1 - l0))).toBeLessThan(1e-4 * Math.abs(l1));
    // No referring rows: the split path is the single-loss path.
    expect(value(dense, { referringPointLossWeight: 0.7 })).toBeCloseTo(value(dense, {}), 5);
    // All point weights 0: only the caption term (caption rows' share x mean CE) is left.
    const ce = pixelLlmLoss(model, head, enc, images, mixed, { ...base, pointLossWeight: 0, referringPointLossWeight: 0 });
    expect(ce.loss.dataSync()[0]).toBeCloseTo(0.5 * ce.captionLoss.dataSync()[0], 5);
    tf.dispose([ce.loss, ce.captionLoss, ce.pointLoss, images]);
    [model, head, enc].forEach((m) => m.dispose());
  });

  it('rows sharing images (rowImage) give the loss and gradients of one image per row, with the dense encoding on', () => {
    const model = tinyVlm(tokenizer, 7);
    const head = new PointHead(model.config.lm.width, { seed: 8 });
    const enc = new LocationPromptEncoder(model.config.lm.width, { seed: 9, densePositions: true });
    const world = tinyWorld('train', 2);
    const samples = [0, 1].map((i) => world.get(i));
    const rows = [denseCaptionRow(samples[0], tokenizer), denseCaptionRow(samples[1], tokenizer), referringRow(samples[0].referring[0], tokenizer, 'where is')];
    const rowImage = [0, 1, 0];
    const distinct = imagesToTensor(samples.map((s) => s.image), model.config.vision.imageSize);
    const perRow = imagesToTensor(rowImage.map((i) => samples[i].image), model.config.vision.imageSize);
    const settings: PixelLlmLossSettings = { tokenizer, maxLength: 32, pointLossWeight: 0.1, pointUnits: 'pixels', referringPointLossWeight: 0.5 };
    enc.namedParameters().find(([n]) => n === 'dense_pe_gate')![1].assign(tf.tensor1d([0.5]));
    const vars = [...model.trainableParameters(), ...enc.trainableParameters()];
    const run = (images: tf.Tensor4D, s: PixelLlmLossSettings) => tf.variableGrads(() => pixelLlmLoss(model, head, enc, images, rows, s).loss, vars);
    const before = tf.memory().numTensors;
    const a = run(perRow, settings);
    const b = run(distinct, { ...settings, rowImage });
    expect(b.value.dataSync()[0]).toBeCloseTo(a.value.dataSync()[0], 5);
    for (const name of Object.keys(a.grads)) expectAllClose(b.grads[name].dataSync(), a.grads[name].dataSync(), 1e-4);
    // The gate of the dense encoding is trained through the visual tokens.
    const gate = enc.namedParameters().find(([n]) => n === 'dense_pe_gate')![1];
    expect(Math.abs(a.grads[gate.name].dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([distinct, perRow]);
    [model, head, enc].forEach((m) => m.dispose());
  });
});
