#!/usr/bin/env node
// CAL vs plain MLE fine-tuning on filler-word captions, from the same SFT captioning checkpoint.
//
// Build first (the script runs the published builds):
//   (cd packages/core && npx tsup) && (cd packages/cal && npx tsup)
// Run:
//   node packages/cal/bench/cal-vs-mle.mjs --init <captioning run folder> [--seeds 1,2,3] [--steps 150]
//     [--batch 16] [--test 200] [--train 2000] [--lr 0.001] [--timing-rounds 20] [--out results.json]
//
// For each seed, both methods start from the checkpoint and train the same number of steps on the
// same stream of shapes-world samples (same trainer seed), on `fillerCaption.text` (captions with
// image-irrelevant filler):
//   mle: core captioning() (token-mean cross-entropy)
//   cal: @vlalign/cal cal({ field: 'fillerCaption' })
// then both are evaluated the same way (cal's eval hooks): CIDEr-D of greedy captions on the test
// split against the CLEAN captions, and the mean CAL weight on visual vs filler tokens.
// Step cost: the process CPU time per optimiser step (median, first 3 steps left out). On a shared
// machine wall time mostly measures the neighbours, so the wall-clock step_time_ms median is
// reported beside it but the CAL / MLE ratio is taken on CPU time (the backend is single-threaded).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  captioning,
  createModel,
  createShapesWorld,
  findLatestCheckpoint,
  initBackend,
  listModelPresets,
  loadCheckpoint,
  shapesTokenizer,
  silentLogger,
  tf,
  Trainer,
} from '@vlalign/core';
import { cal } from '../dist/index.js';

const { values: args } = parseArgs({
  options: {
    init: { type: 'string' },
    seeds: { type: 'string', default: '1,2,3' },
    steps: { type: 'string', default: '150' },
    batch: { type: 'string', default: '16' },
    test: { type: 'string', default: '200' },
    train: { type: 'string', default: '2000' },
    lr: { type: 'string', default: '0.001' },
    backend: { type: 'string', default: 'wasm' },
    'timing-rounds': { type: 'string', default: '20' },
    out: { type: 'string' },
  },
});
if (!args.init) {
  console.error('usage: node packages/cal/bench/cal-vs-mle.mjs --init <captioning run folder> [--seeds 1,2,3] [--steps 150] [--batch 16] [--test 200]');
  process.exit(2);
}
const seeds = args.seeds.split(',').map(Number);
const steps = Number(args.steps);
const batchSize = Number(args.batch);
const testSize = Number(args.test);
const trainSize = Number(args.train);
const lr = Number(args.lr);

const backend = await initBackend(args.backend);
const runDir = resolve(args.init);
const runConfig = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')).config;
const ckptDir = findLatestCheckpoint(runDir);
if (!ckptDir) throw new Error(`--init ${runDir}: no checkpoint (expected ${runDir}/checkpoints/latest)`);
const { model: modelSpec } = runConfig;
if (modelSpec.kind !== 'vlm') throw new Error(`--init ${runDir}: model.kind is ${modelSpec.kind}, expected vlm`);
if (Object.keys(modelSpec.overrides ?? {}).length) throw new Error(`--init ${runDir}: model.overrides are not supported by this script`);
const preset = listModelPresets().find((p) => p.kind === 'vlm' && p.name === modelSpec.preset);
const imageSize = preset.config.vision.imageSize;
const tokenizer = shapesTokenizer();

// Read once: every run starts from exactly these weights even if the SFT run writes newer checkpoints.
const sftWeights = (() => {
  const { model: tensors, optimizer } = loadCheckpoint(ckptDir);
  tf.dispose(Object.values(optimizer));
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith('plugins.')) { v.dispose(); delete tensors[k]; }
  return tensors;
})();

function loadSft(seed) {
  const model = createModel('vlm', modelSpec.preset, { seed, vocabSize: tokenizer.vocabSize });
  model.loadStateDict(sftWeights);
  return model;
}

// captioning() reads a string field; expose the filler text under its own name for it.
const withFillerText = (ds) => ({ length: ds.length, source: ds.source, get: (i) => { const s = ds.get(i); return { ...s, fillerText: s.fillerCaption.text }; } });
const trainData = withFillerText(createShapesWorld({ seed: 1, size: trainSize, split: 'train', imageSize }));
const testData = createShapesWorld({ seed: 1, size: testSize, split: 'test', imageSize });
const evalPlugin = () => cal({ field: 'fillerCaption', references: 'captions', maxLength: 48, eval: { maxSamples: testSize, batchSize: 50, maxNewTokens: 32 } });

async function evaluate(model) {
  const t = new Trainer({ model, tokenizer, plugins: [evalPlugin()], data: trainData, evalData: testData, steps: 1, logger: silentLogger, progress: false });
  const m = await t.evaluate();
  t.dispose();
  return { cider_d: m['cal/cider_d'], caption_words: m['cal/caption_words'], weight_mean: m['cal/weight_mean'], weight_visual: m['cal/weight_visual'], weight_filler: m['cal/weight_filler'] };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs) => { const m = mean(xs); return xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) : 0; };

async function finetune(method, seed) {
  const model = loadSft(seed);
  const plugin = method === 'cal' ? cal({ field: 'fillerCaption', maxLength: 48 }) : captioning({ field: 'fillerText', maxLength: 48 });
  const times = [];
  const cpuTimes = [];
  const train = [];
  let lastCpu;
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const trainer = new Trainer({
    model, tokenizer, plugins: [plugin], data: trainData, batchSize, steps, seed,
    optimizer: { lr, warmupSteps: Math.min(10, steps), weightDecay: 0.01 },
    logEvery: 1, logger: silentLogger, progress: false,
    onLog: (r) => {
      if (r.split !== 'train') return;
      const now = cpuMs();
      if (lastCpu !== undefined) cpuTimes.push(now - lastCpu);
      lastCpu = now;
      times.push(r.metrics.step_time_ms);
      train.push(r.metrics);
    },
  });
  const t0 = performance.now();
  await trainer.fit();
  const wall = (performance.now() - t0) / 1000;
  trainer.dispose();
  const ev = await evaluate(model);
  model.dispose();
  const last = train.slice(-10);
  const lastMean = (k) => (last.some((m) => k in m) ? mean(last.map((m) => m[k])) : undefined);
  return {
    method, seed, wall_s: wall, step_cpu_ms_median: median(cpuTimes.slice(2)), step_wall_ms_median: median(times.slice(3)), eval: ev,
    train_last10: { loss: lastMean(`${method === 'cal' ? 'cal' : 'captioning'}/loss`), weight_visual: lastMean('cal/weight_visual'), weight_filler: lastMean('cal/weight_filler') },
  };
}

console.error(`backend ${backend.name} (simd ${backend.simd}, threads ${backend.threads}); init ${ckptDir}; seeds ${seeds}; ${steps} steps x batch ${batchSize}; lr ${lr}; test ${testSize}`);
const sftModel = loadSft(seeds[0]);
const sft = await evaluate(sftModel);
sftModel.dispose();
console.error(`sft: ${JSON.stringify(sft)}`);
const runs = [];
for (const seed of seeds) {
  // Interleaved so machine load drifts affect both methods alike.
  for (const method of ['mle', 'cal']) {
    const r = await finetune(method, seed);
    runs.push(r);
    console.error(`${method} seed ${seed}: ${JSON.stringify(r)}`);
  }
}
// Interleaved timing: one MLE step then one CAL step on the same batch, repeated, so load drifts on
// a shared machine hit both alike. A step here is prepare + forward + backward (the optimiser
// update, identical for both, is left out).
async function interleavedTiming(rounds) {
  const model = loadSft(seeds[0]);
  const ctx = { model, tokenizer, random: () => 0.5 };
  const plugins = { mle: captioning({ field: 'fillerText', maxLength: 48 }), cal: cal({ field: 'fillerCaption', maxLength: 48 }) };
  const vars = model.trainableParameters();
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const out = { mle: { cpu: [], wall: [] }, cal: { cpu: [], wall: [] } };
  for (let r = 0; r < rounds + 2; r++) {
    const samples = Array.from({ length: batchSize }, (_, i) => trainData.get((r * batchSize + i) % trainData.length));
    for (const [name, plugin] of Object.entries(plugins)) {
      const c0 = cpuMs();
      const w0 = performance.now();
      const prepared = plugin.prepare ? await plugin.prepare(samples, ctx) : undefined;
      const { value, grads } = tf.variableGrads(() => plugin.loss(samples, ctx, prepared).loss, vars);
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
      if (prepared) tf.dispose(Object.values(prepared).filter((v) => v instanceof tf.Tensor));
      if (r >= 2) { out[name].cpu.push(cpuMs() - c0); out[name].wall.push(performance.now() - w0); }
    }
  }
  model.dispose();
  return {
    rounds,
    mle_cpu_ms_median: median(out.mle.cpu), cal_cpu_ms_median: median(out.cal.cpu),
    mle_wall_ms_median: median(out.mle.wall), cal_wall_ms_median: median(out.cal.wall),
    ratio_cpu: median(out.cal.cpu) / median(out.mle.cpu), ratio_wall: median(out.cal.wall) / median(out.mle.wall),
  };
}
const timing = await interleavedTiming(Number(args['timing-rounds']));
console.error(`interleaved timing: ${JSON.stringify(timing)}`);

const summary = {};
for (const method of ['mle', 'cal']) {
  const rs = runs.filter((r) => r.method === method);
  const s = (f) => ({ mean: mean(rs.map(f)), std: std(rs.map(f)), values: rs.map(f) });
  summary[method] = {
    cider_d: s((r) => r.eval.cider_d), caption_words: s((r) => r.eval.caption_words),
    weight_visual: s((r) => r.eval.weight_visual), weight_filler: s((r) => r.eval.weight_filler), weight_mean: s((r) => r.eval.weight_mean),
    step_cpu_ms_median: s((r) => r.step_cpu_ms_median),
    step_wall_ms_median: s((r) => r.step_wall_ms_median),
  };
}
const ratio = (key) => {
  const values = seeds.map((seed) => runs.find((r) => r.method === 'cal' && r.seed === seed)[key] / runs.find((r) => r.method === 'mle' && r.seed === seed)[key]);
  return { mean: mean(values), values };
};
summary.step_time_ratio_cal_over_mle = { cpu: ratio('step_cpu_ms_median'), wall: ratio('step_wall_ms_median'), interleaved: timing, target: 1.6 };
const result = {
  command: `node packages/cal/bench/cal-vs-mle.mjs ${process.argv.slice(2).join(' ')}`,
  backend: { name: backend.name, simd: backend.simd, threads: backend.threads },
  init: ckptDir, seeds, steps, batchSize, lr, trainSize, testSize, sft, summary, runs,
};
console.log(JSON.stringify(result, null, 2));
if (args.out) writeFileSync(args.out, JSON.stringify(result, null, 2) + '\n');
