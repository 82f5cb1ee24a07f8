import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createModel,
  createShapesWorld,
  initBackend,
  preferencePairs,
  shapesTokenizer,
  silentLogger,
  tf,
  Trainer,
  type Dataset,
  type Sample,
  type TrainerLogRecord,
  type VisionLanguageModel,
} from '@vlalign/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REF_LOGPS_FILE } from './ref-logps-cache.js';
import { seva } from './seva-plugin.js';

const tokenizer = shapesTokenizer();
const microVlm = (seed = 1) =>
  createModel(
    'vlm',
    {
      vision: { imageSize: 16, patchSize: 8, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
      lm: { vocabSize: tokenizer.vocabSize, maxLength: 40, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
      projectorHidden: 16,
    },
    { seed },
  ) as VisionLanguageModel;

/** Pairs from the shapes world: chosen = the image's caption, rejected = another image's caption. */
function pairData(n: number): Dataset {
  const world = createShapesWorld({ seed: 3, size: n + 1, split: 'train', imageSize: 16, maxObjects: 2 });
  const samples: Sample[] = Array.from({ length: n }, (_, i) => {
    const s = world.get(i);
    return { id: `pair-${i}`, image: s.image, prompt: '', chosen: s.captions[2], rejected: world.get(i + 1).captions[2] };
  });
  return { length: n, get: (i) => samples[i], source: 'test-pairs' };
}

const evalData = createShapesWorld({ seed: 3, size: 4, split: 'test', imageSize: 16, maxObjects: 2 });
let dir: string;

describe('seva() plugin', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'seva-plugin-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trains a tiny VLM with DPO: ln 2 at the start, TRL reward metrics, frozen reference, flat tensor count, CHAIR + POPE eval', async () => {
    const model = microVlm();
    const logs: TrainerLogRecord[] = [];
    const counts: number[] = [];
    const before = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.dataSync().slice()]));
    const trainer = new Trainer({
      model,
      tokenizer,
      plugins: [seva({ beta: 0.1, maxLength: 24, chair: { maxSamples: 4, maxNewTokens: 8 }, pope: { maxSamples: 2 } })],
      // One batch of 3 pairs, seen every step, so the separation it learns shows in the next step's metrics.
      data: pairData(3),
      evalData,
      batchSize: 3,
      steps: 5,
      optimizer: { lr: 1e-2, weightDecay: 0 },
      logEvery: 1,
      logger: silentLogger,
      progress: false,
      onLog: (r) => {
        logs.push(r);
        if (r.split === 'train') counts.push(tf.memory().numTensors);
      },
    });
    const result = await trainer.fit();
    const train = logs.filter((l) => l.split === 'train').map((l) => l.metrics);
    expect(train).toHaveLength(5);
    // Step 1: policy == reference, so h = 0, every reward is 0 and the loss is -log sigmoid(0) = ln 2.
    expect(train[0]['seva/loss']).toBeCloseTo(Math.LN2, 5);
    for (const k of ['rewards/chosen', 'rewards/rejected', 'rewards/margins', 'rewards/accuracies']) expect(train[0][`seva/${k}`]).toBeCloseTo(0, 5);
    for (const k of ['rewards/chosen', 'rewards/rejected', 'rewards/accuracies', 'rewards/margins', 'logps/chosen', 'logps/rejected']) {
      expect(Number.isFinite(train[4][`seva/${k}`])).toBe(true);
    }
    expect(train[0]['seva/logps/chosen']).toBeLessThan(0);
    // Training separates the pair: margins grow and the loss drops below ln 2.
    expect(train[4]['seva/rewards/margins']).toBeGreaterThan(0);
    expect(train[4]['seva/loss']).toBeLessThan(Math.LN2);
    // The reference is a frozen copy of the starting weights: not trainable, not moved.
    const plugins = (trainer as unknown as { active: { ctx: { modules: Map<string, VisionLanguageModel> } }[] }).active;
    const ref = plugins[0].ctx.modules.get('reference')!;
    expect(ref.trainableParameters()).toHaveLength(0);
    let moved = 0;
    for (const [k, v] of Object.entries(ref.stateDict())) expect(Array.from(v.dataSync())).toEqual(Array.from(before[k]));
    for (const [k, v] of Object.entries(model.stateDict())) if (v.dataSync().some((x, i) => x !== before[k][i])) moved++;
    expect(moved).toBeGreaterThan(0);
    expect(new Set(counts.slice(1)).size).toBe(1);
    // Eval hooks: CHAIR on greedy captions, POPE on the yes/no probes.
    for (const k of ['chair_i', 'chair_s', 'chair_coverage', 'pope_accuracy', 'pope_f1', 'pope_precision', 'pope_recall', 'pope_yes_ratio', 'pope_unanswered']) {
      const v = result.evalMetrics[`seva/${k}`];
      expect(v, k).toBeGreaterThanOrEqual(0);
      expect(v, k).toBeLessThanOrEqual(1);
    }
    model.dispose();
    ref.dispose();
  });

  it('warns once when the chosen log-prob collapses, at the step the logged log-probs say it should', async () => {
    // Every pair has the SAME chosen answer (so the same token count T) and the batch is the same
    // each step, so the reference's chosen log-prob is step 1's logps/chosen and the monitored drift
    // is (logps/chosen_t - logps/chosen_1) / T, recomputed here from the logged metrics alone.
    const base = pairData(4);
    const chosen = (base.get(0) as Sample).chosen as string;
    const data: Dataset = { length: 3, source: 'same-chosen', get: (i) => ({ ...(base.get(i) as Sample), chosen, rejected: (base.get(i + 1) as Sample).chosen }) };
    const T = tokenizer.encode(chosen).length + 1; // response + EOS
    const run = async (collapseWarning?: number | false) => {
      const warnings: string[] = [];
      const logps: number[] = [];
      const trainer = new Trainer({
        model: microVlm(2),
        tokenizer,
        plugins: [seva({ beta: 0.1, maxLength: 24, chair: false, pope: false, ...(collapseWarning === undefined ? {} : { collapseWarning }) })],
        data,
        batchSize: 3,
        steps: 14,
        // A deliberately destructive lr: the chosen log-prob sinks with the rejected one.
        optimizer: { lr: 0.1, weightDecay: 0 },
        logEvery: 1,
        progress: false,
        logger: { info: () => {}, warn: (m) => warnings.push(m), error: () => {} },
        onLog: (r) => {
          if (r.split === 'train') logps.push(r.metrics['seva/logps/chosen']);
        },
      });
      await trainer.fit();
      const before = tf.memory().numTensors;
      trainer.dispose();
      expect(tf.memory().numTensors).toBeLessThan(before); // the kept drift scalar goes with the trainer
      trainer.model.dispose();
      return { warnings, logps };
    };
    const { warnings, logps } = await run();
    const drift = logps.map((l) => (l - logps[0]) / T);
    const windowed = drift.map((_, t) => (t >= 4 ? drift.slice(t - 4, t + 1).reduce((a, b) => a + b, 0) / 5 : 0));
    const first = windowed.findIndex((m) => m < -1);
    expect(first).toBeGreaterThan(0); // the setting does collapse within the run
    // Read in the next step's prepare, so the last step's value can only be seen by a later run.
    expect(first).toBeLessThan(logps.length - 1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^seva: at step ${first} the chosen answers' log-prob is ${(-windowed[first]).toFixed(2)} nats per token below`));
    expect((await run(false)).warnings).toEqual([]);
    expect((await run(1e6)).warnings).toEqual([]);
    expect(() => seva({ collapseWarning: 0 })).toThrow(/collapseWarning must be a finite number > 0/);
  });

  it('rpoAlpha adds alpha x the per-token NLL of the chosen responses (given image and prompt)', async () => {
    const model = microVlm(4);
    const data = pairData(3);
    const pairs = await Promise.all([0, 1, 2].map((i) => data.get(i)));
    // Prompted pairs: the prompt is context, not scored.
    const prompted: Dataset = { length: 3, source: 'prompted', get: (i) => ({ ...pairs[i], prompt: 'is there a circle in the image?' }) };
    const chosenTokens = pairs.reduce((s, p) => s + tokenizer.encode(p.chosen as string).length + 1, 0); // response + EOS
    const train: Record<string, number>[] = [];
    const counts: number[] = [];
    await new Trainer({
      model,
      tokenizer,
      plugins: [seva({ beta: 0.1, rpoAlpha: 0.5, maxLength: 40, chair: false, pope: false })],
      data: prompted,
      batchSize: 3,
      steps: 3,
      optimizer: { lr: 1e-2, weightDecay: 0 },
      logEvery: 1,
      logger: silentLogger,
      progress: false,
      onLog: (r) => {
        if (r.split !== 'train') return;
        train.push(r.metrics);
        counts.push(tf.memory().numTensors);
      },
    }).fit();
    // Step 1: DPO part ln 2; NLL = -(sum of the chosen summed log-probs) / chosen tokens = -mean(logps/chosen) * B / tokens.
    expect(train[0]['seva/dpo_loss']).toBeCloseTo(Math.LN2, 5);
    expect(train[0]['seva/nll']).toBeCloseTo((-train[0]['seva/logps/chosen'] * 3) / chosenTokens, 4);
    expect(train[0]['seva/loss']).toBeCloseTo(Math.LN2 + 0.5 * train[0]['seva/nll'], 4);
    // The NLL term pulls the chosen responses up.
    expect(train[2]['seva/logps/chosen']).toBeGreaterThan(train[0]['seva/logps/chosen']);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(() => seva({ rpoAlpha: -1 })).toThrow(/rpoAlpha must be a finite number >= 0/);
    model.dispose();
  });

  it('IPO starts at (0 - 1/(2 beta))^2 and the reference cache fills once', async () => {
    const model = microVlm(2);
    const runDir = join(dir, 'ipo');
    const first: number[] = [];
    const trainer = new Trainer({
      model,
      tokenizer,
      plugins: [seva({ beta: 0.5, lossType: 'ipo', maxLength: 24, precomputeRefLogps: true, chair: false, pope: false })],
      data: pairData(4),
      batchSize: 2,
      steps: 3,
      optimizer: { lr: 1e-3 },
      logEvery: 1,
      runDir,
      logger: silentLogger,
      progress: false,
      onLog: (r) => r.split === 'train' && first.push(r.metrics['seva/loss']),
    });
    await trainer.fit();
    expect(first[0]).toBeCloseTo(1, 5); // (0 - 1 / (2 * 0.5))^2
    // 4 pairs seen (2 per step, 3 steps over a 4-pair epoch) -> 8 distinct scored sequences, each cached once.
    const lines = readFileSync(join(runDir, REF_LOGPS_FILE), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(8);
    model.dispose();
  });

  it('fails naming the sample (plugin) or the line (preference file) on bad pairs', async () => {
    const model = microVlm(3);
    const bad: Dataset = { length: 2, source: 'bad', get: (i) => ({ id: `b${i}`, image: evalData.get(0).image, prompt: '', chosen: 'a circle' }) };
    const trainer = new Trainer({ model, tokenizer, plugins: [seva({ chair: false, pope: false })], data: bad, batchSize: 2, steps: 1, logger: silentLogger, progress: false });
    await expect(trainer.fit()).rejects.toThrow(/sample "b0" has no string "rejected"/);
    model.dispose();

    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `${JSON.stringify({ prompt: '', chosen: 'a', rejected: 'b' })}\n${JSON.stringify({ prompt: '', chosen: 'a', images: ['x.png'] })}\n`);
    await expect(preferencePairs(file)).rejects.toThrow(/bad\.jsonl:2: missing required field "rejected"/);
    writeFileSync(file, `${JSON.stringify({ prompt: '', chosen: 'a', rejected: 'b', images: ['missing.png'] })}\n`);
    await expect(preferencePairs(file)).rejects.toThrow(/bad\.jsonl:1: image not found: .*missing\.png/);
    expect(existsSync(file)).toBe(true);
  });
});
