#!/usr/bin/env node
/**
 * RL vs continued SFT from one SFT checkpoint, on the shapes world (64x64, tiny VLM).
 *
 * For each seed, three arms start from the same SFT weights and train the same number of steps on
 * the same images per step:
 *   sft   continued supervised captioning (core's captioning plugin);
 *   scst  SCST with a CIDEr-D reward (document frequencies from the training references), greedy baseline;
 *   grpo  GRPO with an object-precision reward (+ CIDEr-D at a smaller weight, so captions stay captions;
 *         --grpo-reward precision drops the CIDEr-D term).
 * Each is then scored on held-out test images with greedy captions: CIDEr-D and CHAIR_i / CHAIR_s.
 * Reward curves come from each run's metrics.jsonl.
 *
 * Run (after `pnpm build` or `npx tsup` in packages/core and packages/rl):
 *   node packages/rl/bench/rl-vs-sft.mjs --sft /work/sft/captioning-s1 --seeds 1,2,3 --steps 30
 * Without --sft (or when it has no checkpoint) a short SFT run is trained first into <out>/sft.
 *
 * GRPO knobs: --temperature (sampling, default 1), --beta (k3 KL weight, default 0.04), --cider-weight
 * (weight of the CIDEr-D term in 'precision+cider', default 0.2).
 * --native auto|on|off (default auto): turn on @vlalign/native's kernels when the package resolves and
 * its addon loads (about 4-5x faster steps; equal to the plain wasm kernels to float32 rounding).
 * Whether it was active is recorded in results.json (`native`).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Trainer, captioning, createModel, createShapesWorld, findLatestCheckpoint, initBackend, loadSafetensors, shapesTokenizer, silentLogger, tf } from '@vlalign/core';
import { ciderReward, evaluateCaptions, objectPrecisionReward, rl } from '../dist/index.js';

const { values: args } = parseArgs({
  options: {
    sft: { type: 'string' },
    out: { type: 'string', default: 'runs/rl-vs-sft' },
    seeds: { type: 'string', default: '1,2,3' },
    steps: { type: 'string', default: '30' },
    batch: { type: 'string', default: '8' },
    generations: { type: 'string', default: '4' },
    lr: { type: 'string', default: '1e-4' },
    'eval-size': { type: 'string', default: '100' },
    'sft-steps': { type: 'string', default: '250' },
    'sft-batch': { type: 'string', default: '16' },
    arms: { type: 'string', default: 'sft,scst,grpo' },
    // GRPO reward: 'precision+cider' (object precision + 0.2 x CIDEr-D) or 'precision' (object precision alone).
    'grpo-reward': { type: 'string', default: 'precision+cider' },
    backend: { type: 'string' },
    temperature: { type: 'string', default: '1' },
    beta: { type: 'string', default: '0.04' },
    'cider-weight': { type: 'string', default: '0.2' },
    // auto: use @vlalign/native when it resolves and its addon loads; on: fail without it; off: plain wasm.
    native: { type: 'string', default: 'auto' },
  },
});
const out = resolve(args.out);
const seeds = args.seeds.split(',').map(Number);
const steps = Number(args.steps);
const batch = Number(args.batch);
const generations = Number(args.generations);
const lr = Number(args.lr);
const evalSize = Number(args['eval-size']);
const arms = args.arms.split(',');
const temperature = Number(args.temperature);
const beta = Number(args.beta);
const ciderWeight = Number(args['cider-weight']);
if (!['auto', 'on', 'off'].includes(args.native)) throw new Error(`--native: auto, on or off, got ${args.native}`);
if (!['precision+cider', 'precision'].includes(args['grpo-reward'])) throw new Error(`--grpo-reward: precision+cider or precision, got ${args['grpo-reward']}`);
mkdirSync(out, { recursive: true });

const backend = await initBackend(args.backend);
/** @vlalign/native's status, or why it is off. Optional: a dynamic import so the bench runs without it. */
let native = { active: false, reason: 'disabled by --native off' };
if (args.native !== 'off') {
  try {
    const { enableNative } = await import('@vlalign/native');
    native = await enableNative();
  } catch (e) {
    native = { active: false, reason: `@vlalign/native not loadable: ${e?.message ?? e}` };
  }
  if (args.native === 'on' && !native.active) throw new Error(`--native on: ${native.reason}`);
}
const tokenizer = shapesTokenizer();
const train = createShapesWorld({ seed: 1, size: 4000, split: 'train', imageSize: 64 });
const test = createShapesWorld({ seed: 1, size: evalSize, split: 'test', imageSize: 64 });
const log = (m) => process.stderr.write(`[rl-vs-sft ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
log(`native: ${native.active ? `active (gemm ${native.gemm})` : `off (${native.reason})`}`);
log(`backend ${backend.name} (threads ${backend.threads}); seeds ${seeds}; ${steps} steps x ${batch} images; ${generations} generations`);

const newModel = () => createModel('vlm', 'tiny', { seed: 1, vocabSize: tokenizer.vocabSize });

/** An SFT checkpoint folder: the given run, or a short one trained here. */
async function sftCheckpoint() {
  const given = args.sft && findLatestCheckpoint(args.sft);
  if (given) return given;
  if (args.sft) log(`${args.sft} has no checkpoint yet; training a short SFT run instead`);
  const dir = join(out, 'sft');
  const existing = findLatestCheckpoint(dir);
  if (existing) return existing;
  const model = newModel();
  const t0 = performance.now();
  const trainer = new Trainer({
    model, tokenizer, plugins: [captioning()], data: train, batchSize: Number(args['sft-batch']),
    steps: Number(args['sft-steps']), seed: 1, optimizer: { lr: 2e-3, warmupSteps: 20, minLrRatio: 0.1 },
    runDir: dir, logEvery: 25, logger: { info: log, warn: log, error: log }, progress: false,
  });
  await trainer.fit();
  trainer.dispose();
  model.dispose();
  log(`SFT: ${args['sft-steps']} steps in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return findLatestCheckpoint(dir);
}

function loadModel(checkpoint) {
  const model = newModel();
  const { tensors } = loadSafetensors(join(checkpoint, 'model.safetensors'));
  model.loadStateDict(Object.fromEntries(Object.entries(tensors).filter(([k]) => !k.startsWith('plugins.'))));
  tf.dispose(Object.values(tensors));
  return model;
}

async function score(model) {
  const r = await evaluateCaptions(model, tokenizer, test, { imageSize: 64, maxSamples: evalSize, batchSize: 50, maxNewTokens: 32 });
  return { cider_d: r.cider_d, chair_i: r.chair_i, chair_s: r.chair_s, mean_length: r.mean_length, example: r.captions.slice(0, 3) };
}

const cider = ciderReward({ corpus: train });
const plugins = {
  // The same recipe as examples/captioning.yaml (first caption of each sample).
  sft: () => captioning(),
  scst: () => rl({ algorithm: 'scst', baseline: 'greedy', numGenerations: generations, maxNewTokens: 32, rewards: [{ reward: cider, weight: 1 }] }),
  grpo: () =>
    rl({
      algorithm: 'grpo', numGenerations: generations, maxNewTokens: 32, beta, temperature,
      rewards: args['grpo-reward'] === 'precision'
        ? [{ reward: objectPrecisionReward(), weight: 1 }]
        : [{ reward: objectPrecisionReward(), weight: 1 }, { reward: cider, weight: ciderWeight }],
    }),
};

function readCurve(runDir) {
  const path = join(runDir, 'metrics.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.split !== 'eval');
}

const checkpoint = await sftCheckpoint();
log(`starting from ${checkpoint}`);
const results = { backend: backend.name, command: `node packages/rl/bench/rl-vs-sft.mjs ${process.argv.slice(2).join(' ')}`, checkpoint, steps, batch, generations, lr, grpoReward: args['grpo-reward'], ciderWeight, temperature, beta, evalSize,
  native: { active: native.active, ...(native.active ? { gemm: native.gemm, threads: native.threads } : { reason: native.reason }) }, seeds, arms, baseline: null, runs: [] };
{
  const model = loadModel(checkpoint);
  results.baseline = await score(model);
  model.dispose();
  log(`SFT checkpoint: ${JSON.stringify(results.baseline)}`);
}
for (const seed of seeds) {
  for (const arm of arms) {
    const model = loadModel(checkpoint);
    const runDir = join(out, `${arm}-s${seed}`);
    rmSync(runDir, { recursive: true, force: true });
    const t0 = performance.now();
    const trainer = new Trainer({
      model, tokenizer, plugins: [plugins[arm]()], data: train, batchSize: batch, steps, seed,
      optimizer: { lr, warmupSteps: 0, minLrRatio: 1 }, runDir, logEvery: 1, logger: silentLogger, progress: false,
    });
    await trainer.fit();
    const seconds = (performance.now() - t0) / 1000;
    trainer.dispose();
    const s = await score(model);
    model.dispose();
    const curve = readCurve(runDir).map((r) => ({
      step: r.step,
      loss: r.loss,
      ...(arm === 'sft' ? {} : { reward: r['rl/reward'], reward_std: r['rl/reward_std'], frac_reward_zero_std: r['rl/frac_reward_zero_std'], kl: r['rl/kl'], components: Object.fromEntries(Object.entries(r).filter(([k]) => k.startsWith('rl/rewards/') && k.endsWith('/mean')).map(([k, v]) => [k.slice(11, -5), v])) }),
    }));
    results.runs.push({ arm, seed, seconds, ...s, curve });
    log(`${arm} seed ${seed}: ${seconds.toFixed(0)} s, CIDEr-D ${s.cider_d.toFixed(4)}, CHAIR_i ${s.chair_i?.toFixed(4)}, CHAIR_s ${s.chair_s?.toFixed(4)}, length ${s.mean_length.toFixed(2)}`);
    writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2));
  }
}

const fmt = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) : 0;
  return `${m.toFixed(3)} ± ${sd.toFixed(3)}`;
};
const lines = ['| arm | test CIDEr-D | CHAIR_i | CHAIR_s | words | s/run |', '|---|---|---|---|---|---|'];
const b = results.baseline;
lines.push(`| SFT checkpoint (start) | ${b.cider_d.toFixed(3)} | ${b.chair_i.toFixed(3)} | ${b.chair_s.toFixed(3)} | ${b.mean_length.toFixed(1)} | - |`);
for (const arm of arms) {
  const rs = results.runs.filter((r) => r.arm === arm);
  lines.push(`| ${arm} (+${steps} steps, ${rs.length} seeds) | ${fmt(rs.map((r) => r.cider_d))} | ${fmt(rs.map((r) => r.chair_i))} | ${fmt(rs.map((r) => r.chair_s))} | ${fmt(rs.map((r) => r.mean_length))} | ${fmt(rs.map((r) => r.seconds))} |`);
}
const perSeed = ['| arm (CIDEr-D / CHAIR_i / CHAIR_s) | ' + seeds.map((s) => `seed ${s}`).join(' | ') + ' |', `|---|${seeds.map(() => '---|').join('')}`];
for (const arm of arms) {
  perSeed.push(`| ${arm} | ${seeds.map((sd) => { const r = results.runs.find((x) => x.arm === arm && x.seed === sd); return r ? `${r.cider_d.toFixed(3)} / ${r.chair_i.toFixed(3)} / ${r.chair_s.toFixed(3)}` : '-'; }).join(' | ')} |`);
}
const settings = `lr ${lr}, ${steps} steps x ${batch} images, ${generations} generations, temperature ${temperature}, beta ${beta}, grpo reward ${args['grpo-reward']}${args['grpo-reward'] === 'precision' ? '' : ` (CIDEr-D weight ${ciderWeight})`}, native ${native.active ? 'on' : 'off'}`;
lines.unshift(settings, '');
lines.push('', ...perSeed);
const curves = results.runs.filter((r) => r.arm !== 'sft').map((r) => `${r.arm} s${r.seed} reward: ${r.curve.map((c) => c.reward?.toFixed(3)).join(' ')}`);
const report = `${lines.join('\n')}\n\n${curves.join('\n')}\n`;
writeFileSync(join(out, 'results.md'), report);
process.stdout.write(report);
