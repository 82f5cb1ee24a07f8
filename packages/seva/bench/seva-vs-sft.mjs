#!/usr/bin/env node
/**
 * SeVa (DPO on self-made preference pairs) vs continuing SFT, from the same SFT checkpoint.
 *
 * For each seed: make pairs on train images (clean vs diffusion-noised answers, identical ones
 * dropped), then from the SFT weights train (a) DPO with the seva plugin and (b) captioning SFT for
 * the same number of steps on the same images; evaluate CHAIR_i / CHAIR_s and POPE on the test split.
 * Every stage is resumable (pairs, trainer runs and evals are kept in --out).
 *
 * Usage (after `cd packages/core && npx tsup; cd ../seva && npx tsup`):
 *   node packages/seva/bench/seva-vs-sft.mjs --sft /work/sft/captioning-s1 --out runs/seva-bench \
 *     [--seeds 1,2,3] [--steps 24] [--images 192] [--batch 8] [--lr 2e-4] [--beta 0.1]
 * Writes <out>/results.json and <out>/results.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  Trainer,
  captioning,
  createModel,
  createShapesWorld,
  findLatestCheckpoint,
  initBackend,
  loadCheckpoint,
  preferencePairs,
  readMetrics,
  shapesTokenizer,
  tf,
} from '@vlalign/core';
import { chairEvalHook, makePreferencePairs, popeEvalHook, seva } from '../dist/index.js';

const { values: a } = parseArgs({
  options: {
    sft: { type: 'string', default: '/work/sft/captioning-s1' },
    out: { type: 'string', default: 'runs/seva-bench' },
    seeds: { type: 'string', default: '1,2,3' },
    steps: { type: 'string', default: '24' },
    images: { type: 'string', default: '192' },
    batch: { type: 'string', default: '8' },
    lr: { type: 'string', default: '2e-4' },
    beta: { type: 'string', default: '0.1' },
    t: { type: 'string', default: '500' },
    'chair-images': { type: 'string', default: '100' },
    'pope-images': { type: 'string', default: '32' },
  },
});
const seeds = a.seeds.split(',').map(Number);
const steps = Number(a.steps);
const images = Number(a.images);
const batch = Number(a.batch);
const lr = Number(a.lr);
const beta = Number(a.beta);
const out = resolve(a.out);
mkdirSync(out, { recursive: true });
const log = (m) => process.stderr.write(`[seva-bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

const backend = await initBackend(process.env.VLALIGN_BACKEND);
log(`backend ${backend.name} threads=${backend.threads}`);
const tokenizer = shapesTokenizer();

// The SFT run's own model and data settings, so the comparison starts from exactly its setup.
const sftConfig = JSON.parse(readFileSync(join(a.sft, 'config.json'), 'utf8')).config;
const ckptDir = findLatestCheckpoint(a.sft);
if (!ckptDir) throw new Error(`${a.sft} has no checkpoint yet`);
const ckpt = loadCheckpoint(ckptDir);
tf.dispose(Object.values(ckpt.optimizer));
const sftWeights = Object.fromEntries(Object.entries(ckpt.model).filter(([k]) => !k.startsWith('plugins.')));
log(`SFT checkpoint ${ckptDir}`);

function loadSft() {
  const m = createModel('vlm', sftConfig.model.preset ?? 'tiny', { seed: sftConfig.seed ?? 0, vocabSize: tokenizer.vocabSize });
  m.loadStateDict(sftWeights);
  return m;
}

const trainSpec = sftConfig.data.train.shapesWorld;
const train = createShapesWorld(trainSpec);
const test = createShapesWorld({ ...(sftConfig.data.eval?.shapesWorld ?? trainSpec), split: 'test' });
const sliceOf = (offset, n) => ({ length: n, source: `${train.source}[${offset}:${offset + n}]`, get: (i) => train.get(offset + i) });

const hooks = [
  chairEvalHook({ maxSamples: Number(a['chair-images']), maxNewTokens: 24 }),
  { ...popeEvalHook({ maxSamples: Number(a['pope-images']), answer: 'generate' }), name: 'pope-generate' },
  { ...popeEvalHook({ maxSamples: Number(a['pope-images']), answer: 'compare' }), name: 'pope-compare' },
];

/** CHAIR + POPE of a model on the test split (cached in `file`). */
async function evaluate(model, file) {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  model.eval();
  const ctx = { model, tokenizer, evalData: test };
  const r = {};
  for (const h of hooks) {
    const m = await h.run(ctx);
    for (const [k, v] of Object.entries(m)) r[h.name === 'pope-compare' ? k.replace('pope_', 'pope_cmp_') : k] = v;
  }
  writeFileSync(file, JSON.stringify(r, null, 2));
  return r;
}

const results = { settings: { sft: ckptDir, seeds, steps, images, batch, lr, beta, t: Number(a.t), backend: backend.name }, baseline: undefined, seeds: [] };
{
  const m = loadSft();
  log('evaluating the SFT checkpoint');
  results.baseline = await evaluate(m, join(out, 'eval-sft-start.json'));
  m.dispose();
  log(`SFT start: ${JSON.stringify(results.baseline)}`);
}

for (const seed of seeds) {
  const dir = join(out, `seed-${seed}`);
  mkdirSync(dir, { recursive: true });
  // Each seed uses its own slice of train images (none were held out from SFT: SeVa also reuses SFT images).
  const source = sliceOf((seed - 1) * images, images);
  const pairsFile = join(dir, 'pairs.jsonl');
  const gen = loadSft();
  const t0 = performance.now();
  const made = await makePreferencePairs({ model: gen, tokenizer, dataset: source, out: pairsFile, augmentation: 'diffusion', t: Number(a.t), seed, maxNewTokens: 24, batchSize: 32, log });
  gen.dispose();
  log(`seed ${seed}: ${made.kept} pairs kept, ${made.dropped} identical dropped, ${made.droppedEmpty} empty (${((performance.now() - t0) / 1000).toFixed(0)} s)`);

  const dpoModel = loadSft();
  const pairs = await preferencePairs(pairsFile, { imageSize: 64 });
  const dpo = new Trainer({
    model: dpoModel,
    tokenizer,
    plugins: [seva({ beta, maxLength: 32, chair: false, pope: false })],
    data: pairs,
    batchSize: batch,
    steps,
    seed,
    optimizer: { lr, weightDecay: 0, warmupSteps: 0 },
    runDir: join(dir, 'dpo'),
    logEvery: 4,
    progress: false,
  });
  await dpo.fit();
  const dpoEval = await evaluate(dpoModel, join(dir, 'eval-dpo.json'));
  dpoModel.dispose();

  const sftModel = loadSft();
  const cont = new Trainer({
    model: sftModel,
    tokenizer,
    plugins: [captioning({ maxLength: 32 })],
    data: source,
    batchSize: batch,
    steps,
    seed,
    optimizer: { lr, weightDecay: 0, warmupSteps: 0 },
    runDir: join(dir, 'sft'),
    logEvery: 4,
    progress: false,
  });
  await cont.fit();
  const sftEval = await evaluate(sftModel, join(dir, 'eval-sft.json'));
  sftModel.dispose();

  const curve = readMetrics(join(dir, 'dpo', 'metrics.jsonl'))
    .filter((r) => r['seva/loss'] !== undefined)
    .map((r) => ({ step: r.step, loss: r['seva/loss'], chosen: r['seva/rewards/chosen'], rejected: r['seva/rewards/rejected'], accuracy: r['seva/rewards/accuracies'], margin: r['seva/rewards/margins'] }));
  results.seeds.push({ seed, pairs: { kept: made.kept, dropped: made.dropped, droppedEmpty: made.droppedEmpty, images: made.processed }, dpo: dpoEval, sft: sftEval, rewards: curve });
  log(`seed ${seed}: DPO ${JSON.stringify(dpoEval)}\n  SFT ${JSON.stringify(sftEval)}`);
  writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2));
}

const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const fmt = (xs, k = 100) => `${(mean(xs) * k).toFixed(k === 1 ? 2 : 1)} ± ${(sd(xs) * k).toFixed(k === 1 ? 2 : 1)}`;
const rows = [
  ['CHAIR_i (%) ↓', 'chair_i'],
  ['CHAIR_s (%) ↓', 'chair_s'],
  ['object mentions per caption', 'chair_mentions', 1],
  ['POPE F1 (%), first token', 'pope_f1'],
  ['POPE yes-ratio (%), first token', 'pope_yes_ratio'],
  ['POPE unanswered (%)', 'pope_unanswered'],
  ['POPE F1 (%), yes-vs-no logit', 'pope_cmp_f1'],
  ['POPE accuracy (%), yes-vs-no logit', 'pope_cmp_accuracy'],
];
const md = [
  `SFT start ${ckptDir}; ${seeds.length} seeds; ${steps} steps each, batch ${batch}, lr ${lr}, beta ${beta}, diffusion t=${a.t}; backend ${backend.name}.`,
  '',
  '| metric (test split) | SFT start | + SFT | + SeVa DPO |',
  '|---|---|---|---|',
  ...rows.map(([name, k, scale = 100]) => `| ${name} | ${(results.baseline[k] * scale).toFixed(scale === 1 ? 2 : 1)} | ${fmt(results.seeds.map((s) => s.sft[k]), scale)} | ${fmt(results.seeds.map((s) => s.dpo[k]), scale)} |`),
  '',
  '| seed | pairs kept / images | identical dropped | first -> last rewards/accuracies | first -> last rewards/margins | last rewards/chosen, rejected |',
  '|---|---|---|---|---|---|',
  ...results.seeds.map((s) => {
    const f = s.rewards[0];
    const l = s.rewards.at(-1);
    return `| ${s.seed} | ${s.pairs.kept} / ${s.pairs.images} | ${s.pairs.dropped} | ${f.accuracy.toFixed(2)} -> ${l.accuracy.toFixed(2)} | ${f.margin.toFixed(3)} -> ${l.margin.toFixed(3)} | ${l.chosen.toFixed(3)}, ${l.rejected.toFixed(3)} |`;
  }),
].join('\n');
writeFileSync(join(out, 'results.md'), `${md}\n`);
process.stdout.write(`${md}\n`);
