import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { Linear } from '../nn/linear.js';
import { maskedMeanCrossEntropy } from './cross-entropy.js';
import { captionBatch } from './caption-batch.js';
import { definePlugin, type Plugin, type PluginContext } from './plugin.js';
import { languageModeling } from './plugins/language-modeling.js';
import { textDataset, TinyLm, toyTokenizer, WORDS } from './test-helpers.js';
import { Trainer } from './trainer.js';
import type { TrainerLogRecord, TrainerOptions } from './trainer-options.js';
import { silentLogger } from './logger.js';

const tokenizer = toyTokenizer(WORDS);
const tmp = mkdtempSync(join(tmpdir(), 'vlalign-trainer-'));

/**
 * A second plugin exercising everything resume must restore: a registered head (its own
 * parameters), ctx.random(), a prepared tensor, a tensor metric, saveState/loadState.
 */
function probePlugin(): Plugin<tf.Tensor> {
  let calls = 0;
  return definePlugin<tf.Tensor>({
    name: 'probe',
    specificationVersion: 'v1',
    requires: ['lm'],
    setup(ctx) {
      ctx.registerModule('head', new Linear(8, 1, { seed: 9, initStd: 0.5 }));
    },
    async prepare(samples, ctx) {
      return tf.scalar(ctx.random() + samples.length * 0);
    },
    loss(samples, ctx, noise) {
      calls++;
      const lm = ctx.model as TinyLm;
      const b = captionBatch(samples, ctx.tokenizer, { maxLength: 8, field: 'text' });
      const feats = tf.mean(lm.embed(b.inputIds), 1);
      const out = tf.reshape(ctx.getModule<Linear>('head').forward(feats), [-1]);
      const loss = tf.mean(tf.square(tf.sub(out, tf.add(noise, calls % 3)))) as tf.Scalar;
      return { loss, metrics: { out_mean: tf.mean(out), calls } };
    },
    saveState: () => ({ calls }),
    loadState: (s) => {
      calls = (s as { calls: number }).calls;
    },
  });
}

function baseOptions(over: Partial<TrainerOptions> = {}): TrainerOptions {
  return {
    model: new TinyLm(tokenizer.vocabSize),
    tokenizer,
    plugins: [{ plugin: languageModeling({ maxLength: 8 }), weight: 1 }, { plugin: probePlugin(), weight: 0.5, batchSize: 3 }],
    data: textDataset(10),
    evalData: textDataset(6, 1),
    batchSize: 4,
    steps: 6,
    seed: 3,
    optimizer: { lr: 0.05, warmupSteps: 2, accumulate: 2, clipNorm: 1 },
    logEvery: 1,
    logger: silentLogger,
    progress: false,
    ...over,
  };
}

describe.each(['wasm', 'cpu'] as const)('Trainer (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('mixes two plugins, logs namespaced metrics, evaluates, and leaks no tensors', async () => {
    const counts: number[] = [];
    const logs: TrainerLogRecord[] = [];
    const runDir = join(tmp, `mix-${backend}`);
    const opts = baseOptions({ runDir, evalEvery: 3, onLog: (r) => (logs.push(r), r.split === 'train' && counts.push(tf.memory().numTensors)) });
    const trainer = new Trainer(opts);
    const result = await trainer.fit();
    expect(result).toMatchObject({ step: 6, interrupted: false, resumedFrom: 0 });
    const train = logs.filter((l) => l.split === 'train');
    expect(Object.keys(train[0].metrics).sort()).toEqual(
      ['grad_norm', 'language-modeling/loss', 'language-modeling/tokens', 'loss', 'lr', 'probe/calls', 'probe/loss', 'probe/out_mean', 'step_time_ms'].sort(),
    );
    const m = train[2].metrics;
    expect(m.loss).toBeCloseTo(m['language-modeling/loss'] + 0.5 * m['probe/loss'], 5);
    expect(train[0].metrics.lr).toBe(0); // warmup starts at 0, as HF/torch LambdaLR
    expect(train[1].metrics.lr).toBeCloseTo(0.025, 8);
    // counts after the first step (optimiser state created) stay flat
    expect(new Set(counts.slice(1)).size).toBe(1);
    const evals = logs.filter((l) => l.split === 'eval');
    expect(evals.map((e) => e.step)).toEqual([3, 6]);
    expect(evals[1].metrics['language-modeling/perplexity']).toBeCloseTo(Math.exp(evals[1].metrics['language-modeling/ce']), 5);
    expect(opts.model.training).toBe(true);
    const lines = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.split !== 'eval').map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(existsSync(join(runDir, 'checkpoints', 'step-00000006', 'model.safetensors'))).toBe(true);
    // the first loss falls over training (lr warms up from 0, so compare later steps)
    expect(train[5].metrics['language-modeling/loss']).toBeLessThan(train[1].metrics['language-modeling/loss']);
    trainer.dispose();
    opts.model.dispose();
  });

  it('N steps + resume + N steps equals 2N straight steps exactly', async () => {
    const straight: number[] = [];
    const optsA = baseOptions({ onLog: (r) => r.split === 'train' && straight.push(r.metrics.loss) });
    const a = new Trainer(optsA);
    await a.fit();
    const finalA = (optsA.model as TinyLm).head.weight.dataSync().slice();
    a.dispose();
    optsA.model.dispose();

    const runDir = join(tmp, `resume-${backend}`);
    const resumed: number[] = [];
    const optsB = baseOptions({ runDir, steps: 6, checkpointEvery: 3, onLog: (r) => r.split === 'train' && resumed.push(r.metrics.loss) });
    const ctrl = new AbortController();
    optsB.signal = ctrl.signal;
    optsB.onLog = (r) => {
      if (r.split !== 'train') return;
      resumed.push(r.metrics.loss);
      if (r.step === 3) ctrl.abort();
    };
    const b1 = new Trainer(optsB);
    const r1 = await b1.fit();
    expect(r1).toMatchObject({ step: 3, interrupted: true });
    b1.dispose();
    optsB.model.dispose();

    const optsC = baseOptions({ runDir, onLog: (r) => r.split === 'train' && resumed.push(r.metrics.loss) });
    const c = new Trainer(optsC);
    const r2 = await c.fit();
    expect(r2).toMatchObject({ step: 6, interrupted: false, resumedFrom: 3 });
    expect(resumed).toEqual(straight);
    expect(Array.from((optsC.model as TinyLm).head.weight.dataSync())).toEqual(Array.from(finalA));
    // metrics.jsonl has each train step once
    const lines = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.split !== 'eval').map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    c.dispose();
    optsC.model.dispose();
  });
});

describe('Trainer setup checks', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(() => undefined);

  it('rejects duplicate plugins, unmet requirements and missing data with clear messages', () => {
    const model = new TinyLm(tokenizer.vocabSize);
    const lm = languageModeling();
    expect(() => new Trainer({ ...baseOptions({ model }), plugins: [lm, lm] })).toThrow(/"language-modeling" is registered twice/);
    const vlmOnly = definePlugin({ name: 'needs-vlm', specificationVersion: 'v1', requires: ['vlm'], loss: () => ({ loss: tf.scalar(0) }) });
    expect(() => new Trainer({ ...baseOptions({ model }), plugins: [vlmOnly] })).toThrow(/requires a model with "vlm", but the model provides "lm"/);
    expect(() => new Trainer({ ...baseOptions({ model }), data: undefined })).toThrow(/"language-modeling" trains but has no data/);
    expect(() => new Trainer({ ...baseOptions({ model }), plugins: [languageModeling as unknown as Plugin] })).toThrow(/forget to call the plugin factory/);
    const future = { ...lm, specificationVersion: 'v9' } as unknown as Plugin;
    expect(() => new Trainer({ ...baseOptions({ model }), plugins: [future] })).toThrow(/specification "v9"/);
    expect(() => new Trainer({ ...baseOptions({ model }), steps: -1 })).toThrow(/steps must be an integer/);
    model.dispose();
  });

  it('computeGradients plugins give the same update as the equivalent loss plugin; SIGINT listener removed', async () => {
    const lossOf = (samples: Parameters<NonNullable<Plugin['loss']>>[0], ctx: PluginContext) => {
      const b = captionBatch(samples, ctx.tokenizer, { maxLength: 8, field: 'text' });
      return maskedMeanCrossEntropy((ctx.model as TinyLm).forward(b.inputIds).logits, b.labels);
    };
    const viaLoss = definePlugin({ name: 'x', specificationVersion: 'v1', loss: (s, ctx) => ({ loss: lossOf(s, ctx) }) });
    const viaGrads = definePlugin({
      name: 'x',
      specificationVersion: 'v1',
      computeGradients(s, ctx) {
        const vars = ctx.model.trainableParameters();
        const { value, grads } = tf.variableGrads(() => lossOf(s, ctx), vars);
        const loss = value.dataSync()[0];
        value.dispose();
        return { loss, grads: new Map(vars.filter((v) => grads[v.name]).map((v) => [v, grads[v.name]] as [tf.Variable, tf.Tensor])) };
      },
    });
    const listeners = process.listenerCount('SIGINT');
    const weights: Float32Array[] = [];
    for (const plugin of [viaLoss, viaGrads]) {
      const model = new TinyLm(tokenizer.vocabSize, 8, 0, 0);
      const t = new Trainer({ ...baseOptions({ model }), plugins: [{ plugin, weight: 0.7 }], steps: 3 });
      await t.fit();
      weights.push(model.head.weight.dataSync().slice() as Float32Array);
      t.dispose();
      model.dispose();
    }
    expect(Array.from(weights[1])).toEqual(Array.from(weights[0]));
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });
});
