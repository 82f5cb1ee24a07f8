#!/usr/bin/env node
// Partial LoRA vs standard LoRA vs full fine-tuning, from the same pretrained (SFT) captioning VLM.
//
// Build first (the script runs the published builds):
//   (cd packages/core && npx tsup) && (cd packages/plora && npx tsup)
// Run (from the repository root):
//   node packages/plora/bench/plora-vs-lora.mjs --init <captioning run folder> [--checkpoint <step folder>]
//     [--seeds 1,2,3] [--steps 120] [--batch 16] [--test 200] [--train 4000] [--rank 8] [--alpha 16]
//     [--lr-adapter 0.001] [--lr-full 0.0003] [--caption-index 2] [--corpus 300]
//     [--text-warmup 300] [--warmup-lr 0.001] [--base-cache /tmp/plora-base.safetensors]
//     [--out packages/plora/bench/results/plora-vs-lora.json]
//
// Base model: the SFT checkpoint, then (--text-warmup steps, default 300) trained jointly on its SFT
// captions and on a text-only corpus (createTextCorpus seed 7), because a captioning-only SFT model
// has no text-only language ability to keep (its text perplexity is worse than uniform). The
// warm-up is deterministic; --base-cache saves / reuses its weights across invocations.
// For each seed and arm the model starts from that base and trains `--steps` steps
// with core's Trainer + captioning() on a caption distribution shifted from SFT: the SFT run
// trained on captions[0] (the narrated variant), this fine-tune trains on captions[--caption-index]
// (default 2, the terse variant: no sizes, shape synonyms such as "disc"/"box", long relation
// spellings "to the left of", a random pairing order). Arms:
//   partial  applyPartialLoRA on 'llm-all-linear', base frozen entirely (projector and vision too)
//   lora     applyLoRA, same targets / rank / alpha, base frozen entirely
//   full     nothing frozen, nothing injected
// Every arm of a seed sees the same data stream (same trainer seed). Measured after fine-tuning:
//   (a) text-only perplexity of the LM alone (model.lm.forward, no image prefix, no visual mask) on
//       createTextCorpus({ seed: 99, size: --corpus }), and the largest |logit - logit before| over
//       all real-token positions of the corpus, plus whether every logit is bit-identical;
//   (b) CIDEr-D (core ciderD, idf from the test references) of greedy captions on --test test-split
//       images, references = all of each sample's captions, and against captions[--caption-index] alone;
//   (c) trainable and adapter parameter counts (adapterStats).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  Trainer,
  captionBatch,
  captioning,
  ciderD,
  createModel,
  createShapesWorld,
  createTextCorpus,
  crossEntropySum,
  findLatestCheckpoint,
  imagesToTensor,
  initBackend,
  languageModeling,
  loadCheckpoint,
  loadSafetensors,
  saveSafetensors,
  shapesTokenizer,
  silentLogger,
  tf,
} from '@vlalign/core';
import { adapterStats, applyLoRA, applyPartialLoRA } from '../dist/index.js';

const { values: args } = parseArgs({
  options: {
    init: { type: 'string' },
    checkpoint: { type: 'string' },
    seeds: { type: 'string', default: '1,2,3' },
    arms: { type: 'string', default: 'partial,lora,full' },
    steps: { type: 'string', default: '120' },
    batch: { type: 'string', default: '16' },
    test: { type: 'string', default: '200' },
    train: { type: 'string', default: '4000' },
    rank: { type: 'string', default: '8' },
    alpha: { type: 'string', default: '16' },
    'lr-adapter': { type: 'string', default: '0.001' },
    'lr-full': { type: 'string', default: '0.0003' },
    'caption-index': { type: 'string', default: '2' },
    corpus: { type: 'string', default: '300' },
    'text-warmup': { type: 'string', default: '300' },
    'warmup-lr': { type: 'string', default: '0.001' },
    'base-cache': { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string' },
  },
});
if (!args.init && !args.checkpoint) {
  console.error('usage: node packages/plora/bench/plora-vs-lora.mjs --init <captioning run folder> [--checkpoint <step folder>] [--seeds 1,2,3] [--steps 120]');
  process.exit(2);
}
const seeds = args.seeds.split(',').map(Number);
const arms = args.arms.split(',');
const steps = Number(args.steps);
const batchSize = Number(args.batch);
const testSize = Number(args.test);
const trainSize = Number(args.train);
const rank = Number(args.rank);
const alpha = Number(args.alpha);
const lrAdapter = Number(args['lr-adapter']);
const lrFull = Number(args['lr-full']);
const captionIndex = Number(args['caption-index']);
const corpusSize = Number(args.corpus);
const textWarmupSteps = Number(args['text-warmup']);
const warmupLr = Number(args['warmup-lr']);
const TARGETS = 'llm-all-linear';

const log = (m) => process.stderr.write(`[plora-vs-lora ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const backend = await initBackend(args.backend);
const ckptDir = resolve(args.checkpoint ?? findLatestCheckpoint(resolve(args.init)) ?? '');
if (!args.checkpoint && !findLatestCheckpoint(resolve(args.init))) throw new Error(`--init ${args.init}: no checkpoint (expected <run>/checkpoints/latest)`);
const runConfigPath = join(args.init ? resolve(args.init) : resolve(ckptDir, '..', '..'), 'config.json');
const modelSpec = JSON.parse(readFileSync(runConfigPath, 'utf8')).config.model;
if (modelSpec.kind !== 'vlm') throw new Error(`${runConfigPath}: model.kind is ${modelSpec.kind}, expected vlm`);
if (Object.keys(modelSpec.overrides ?? {}).length) throw new Error(`${runConfigPath}: model.overrides are not supported by this script`);
const tokenizer = shapesTokenizer();

// Read once: every run starts from exactly these weights even if the SFT run writes newer checkpoints.
let sftWeights = (() => {
  const { model: tensors, optimizer } = loadCheckpoint(ckptDir);
  tf.dispose(Object.values(optimizer ?? {}));
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith('plugins.')) { v.dispose(); delete tensors[k]; }
  return tensors;
})();

function loadSft(seed) {
  const model = createModel('vlm', modelSpec.preset, { seed, vocabSize: tokenizer.vocabSize });
  model.loadStateDict(sftWeights);
  return model;
}
const imageSize = (() => { const m = loadSft(0); const s = m.config.vision.imageSize; m.dispose(); return s; })();

const trainData = createShapesWorld({ seed: 1, size: trainSize, split: 'train', imageSize });
const testData = createShapesWorld({ seed: 1, size: testSize, split: 'test', imageSize });
const testSamples = Array.from({ length: testSize }, (_, i) => testData.get(i));
const corpus = createTextCorpus({ seed: 99, size: corpusSize });
const corpusSamples = corpus.map((text, i) => ({ id: `corpus-${i}`, text }));

// Text warm-up (the "pretrained LM" part of the base). A captioning-only SFT model has never been
// trained on text without an image, so its text-only perplexity is worse than uniform and there is
// no language ability to lose. To make the forgetting test meaningful the base is first trained
// jointly on its SFT captions (captions[0]) and on a DIFFERENT text corpus (seed 7, disjoint from
// the seed-99 evaluation corpus in its sampling stream), like a VLM whose LM was a pretrained LLM.
// The same warmed weights are the start of every arm and seed.
const warmCorpus = createTextCorpus({ seed: 7, size: 5000 });
const warmText = { length: warmCorpus.length, source: 'text-corpus(seed=7,size=5000)', get: (i) => ({ id: `warm-${i}`, text: warmCorpus[i] }) };
async function textWarmup() {
  const model = loadSft(0);
  const trainer = new Trainer({
    model, tokenizer,
    plugins: [captioning({ index: 0, maxLength: 48 }), { plugin: languageModeling({ maxLength: 64 }), data: warmText }],
    data: trainData, batchSize, steps: textWarmupSteps, seed: 1000,
    optimizer: { lr: warmupLr, warmupSteps: Math.min(20, textWarmupSteps), weightDecay: 0.01 },
    logger: silentLogger, progress: false,
  });
  const t0 = performance.now();
  await trainer.fit();
  trainer.dispose();
  const weights = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, tf.keep(v.clone())]));
  model.dispose();
  return { weights, wall_s: (performance.now() - t0) / 1000, cached: false };
}

/**
 * Text-only pass of the LM alone over the corpus: no prefix, no visual mask (what a user of the
 * language model without images sees). Returns the perplexity and the logits at real-token positions.
 */
function textOnly(model) {
  let sum = 0;
  let count = 0;
  const logits = [];
  for (let i = 0; i < corpusSamples.length; i += 100) {
    const chunk = corpusSamples.slice(i, i + 100);
    const b = captionBatch(chunk, tokenizer, { maxLength: 64, field: 'text' });
    const out = model.lm.forward(b.inputIds, { attentionMask: b.attentionMask });
    const r = crossEntropySum(out.logits, b.labels);
    const [, t, v] = out.logits.shape;
    const flat = out.logits.dataSync();
    // Keep the logits of real tokens only (padding rows are not part of the text).
    const rows = b.lengths.map((len, j) => flat.slice(j * t * v, (j * t + len) * v));
    const s = r.sum.dataSync()[0];
    const c = r.count.dataSync()[0];
    tf.dispose([b.inputIds, b.labels, b.attentionMask, out.logits, out.hidden, r.sum, r.count]);
    sum += s;
    count += c;
    logits.push(...rows);
  }
  if (count === 0) throw new Error('text corpus produced no tokens');
  return { perplexity: Math.exp(sum / count), nll: sum / count, tokens: count, logits };
}

function logitDrift(before, after) {
  let maxAbs = 0;
  let identical = true;
  for (let r = 0; r < before.length; r++) {
    const a = before[r];
    const b = after[r];
    for (let k = 0; k < a.length; k++) {
      const d = Math.abs(a[k] - b[k]);
      if (d > maxAbs) maxAbs = d;
      if (!Object.is(a[k], b[k])) identical = false;
    }
  }
  return { max_abs_logit_diff: maxAbs, bit_identical: identical };
}

async function captionScore(model) {
  const eos = tokenizer.eosId;
  const candidates = [];
  for (let i = 0; i < testSamples.length; i += 50) {
    const chunk = testSamples.slice(i, i + 50);
    const images = imagesToTensor(chunk.map((s) => s.image), imageSize);
    const { ids } = await model.generate(images, { maxNewTokens: 32, stopTokens: [eos], bosId: tokenizer.bosId });
    images.dispose();
    candidates.push(...ids.map((row) => tokenizer.decode(row)));
  }
  const { score } = ciderD(candidates, testSamples.map((s) => s.captions));
  // Also against the fine-tuning variant alone: how well the new caption style itself was learnt.
  const { score: target } = ciderD(candidates, testSamples.map((s) => [s.captions[captionIndex]]));
  const words = candidates.reduce((a, c) => a + c.split(/\s+/).filter(Boolean).length, 0) / candidates.length;
  return { cider_d: score, cider_d_target: target, caption_words: words, examples: candidates.slice(0, 3) };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs) => { const m = mean(xs); return xs.length > 1 && xs.some((x) => x !== xs[0]) ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) : 0; };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

// Reference points: the SFT checkpoint as loaded, then the text-warmed base every arm starts from.
log(`backend ${backend.name} (simd ${backend.simd}, threads ${backend.threads}); checkpoint ${ckptDir}; seeds ${seeds}; arms ${arms}; ` +
  `${steps} steps x batch ${batchSize} on captions[${captionIndex}]; lr adapter ${lrAdapter}, full ${lrFull}; rank ${rank} alpha ${alpha}; test ${testSize}; corpus ${corpusSize}; text warm-up ${textWarmupSteps} steps`);
async function describe(seed) {
  const model = loadSft(seed);
  const text = textOnly(model);
  const stats = adapterStats(model);
  const captions = await captionScore(model);
  model.dispose();
  return { text, stats, captions };
}
const sftOnly = await describe(seeds[0]);
log(`SFT checkpoint as loaded: text ppl ${sftOnly.text.perplexity.toFixed(4)} (${sftOnly.text.tokens} tokens, vocabulary ${tokenizer.vocabSize}); CIDEr-D ${sftOnly.captions.cider_d.toFixed(4)}; params ${sftOnly.stats.total_parameters}`);
let warmup;
const cacheKey = JSON.stringify({ checkpoint: ckptDir, textWarmupSteps, warmupLr, batchSize, trainSize });
if (textWarmupSteps > 0 && args['base-cache'] && existsSync(args['base-cache']) && loadSafetensors(args['base-cache']).metadata?.key === cacheKey) {
  // The warm-up is deterministic; a cache only saves its minutes when re-running other settings.
  const { tensors } = loadSafetensors(args['base-cache']);
  tf.dispose(Object.values(sftWeights));
  sftWeights = tensors;
  warmup = { wall_s: 0, cached: args['base-cache'] };
} else if (textWarmupSteps > 0) {
  warmup = await textWarmup();
  tf.dispose(Object.values(sftWeights));
  sftWeights = warmup.weights;
  if (args['base-cache']) saveSafetensors(args['base-cache'], sftWeights, { key: cacheKey });
}
const base = textWarmupSteps > 0 ? await describe(seeds[0]) : sftOnly;
const baseCaptions = base.captions;
log(`base (after ${textWarmupSteps} text warm-up steps${warmup ? `, ${warmup.wall_s.toFixed(0)} s` : ''}): text ppl ${base.text.perplexity.toFixed(4)}; CIDEr-D ${baseCaptions.cider_d.toFixed(4)}`);

async function finetune(arm, seed) {
  const model = loadSft(seed);
  const loraConfig = { rank, alpha, targets: TARGETS, seed, freezeBase: true };
  const injected = arm === 'partial' ? applyPartialLoRA(model, loraConfig) : arm === 'lora' ? applyLoRA(model, loraConfig) : undefined;
  const stats = adapterStats(model);
  const losses = [];
  const stepMs = [];
  const trainer = new Trainer({
    model, tokenizer, plugins: [captioning({ index: captionIndex, maxLength: 48 })], data: trainData, batchSize, steps, seed,
    optimizer: { lr: arm === 'full' ? lrFull : lrAdapter, warmupSteps: Math.min(10, steps), weightDecay: 0.01 },
    logEvery: 1, logger: silentLogger, progress: false,
    onLog: (r) => { if (r.split === 'train') { losses.push(r.metrics['captioning/loss']); stepMs.push(r.metrics.step_time_ms); } },
  });
  const t0 = performance.now();
  await trainer.fit();
  const trainWall = (performance.now() - t0) / 1000;
  trainer.dispose();
  const text = textOnly(model);
  const drift = logitDrift(base.text.logits, text.logits);
  const captions = await captionScore(model);
  model.dispose();
  return {
    arm, seed, train_wall_s: trainWall, step_wall_ms_median: median(stepMs.slice(3)),
    train_loss_first10: mean(losses.slice(0, 10)), train_loss_last10: mean(losses.slice(-10)),
    text_perplexity: text.perplexity, text_nll: text.nll, text_perplexity_delta: text.perplexity - base.text.perplexity, ...drift,
    cider_d: captions.cider_d, cider_d_target: captions.cider_d_target, caption_words: captions.caption_words, caption_examples: captions.examples,
    adapter_modules: stats.adapter_modules, adapter_parameters: stats.adapter_parameters,
    trainable_parameters: stats.trainable_parameters, total_parameters: stats.total_parameters,
    injected_targets: injected?.targets.length ?? 0,
  };
}

const runs = [];
for (const seed of seeds) {
  // Interleaved so drifts in machine load hit every arm alike.
  for (const arm of arms) {
    const r = await finetune(arm, seed);
    runs.push(r);
    const { caption_examples, ...brief } = r;
    log(`${arm} seed ${seed}: ${JSON.stringify(brief)}`);
  }
}

const summary = {};
for (const arm of arms) {
  const rs = runs.filter((r) => r.arm === arm);
  const s = (k) => ({ mean: mean(rs.map((r) => r[k])), std: std(rs.map((r) => r[k])), values: rs.map((r) => r[k]) });
  summary[arm] = {
    text_perplexity: s('text_perplexity'), text_perplexity_delta: s('text_perplexity_delta'), max_abs_logit_diff: s('max_abs_logit_diff'),
    bit_identical_all_seeds: rs.every((r) => r.bit_identical), cider_d: s('cider_d'), cider_d_target: s('cider_d_target'), caption_words: s('caption_words'),
    train_loss_last10: s('train_loss_last10'), step_wall_ms_median: s('step_wall_ms_median'),
    adapter_parameters: rs[0].adapter_parameters, trainable_parameters: rs[0].trainable_parameters, total_parameters: rs[0].total_parameters,
  };
}
const criteria = {};
if (summary.partial && summary.lora) {
  const ratio = summary.partial.cider_d.mean / summary.lora.cider_d.mean;
  criteria.partial_text_exactly_unchanged = summary.partial.bit_identical_all_seeds;
  criteria.lora_text_ppl_worse_all_seeds = summary.lora.text_perplexity_delta.values.every((d) => d > 0);
  if (summary.full) criteria.full_text_ppl_worse_all_seeds = summary.full.text_perplexity_delta.values.every((d) => d > 0);
  criteria.cider_ratio_partial_over_lora = ratio;
  criteria.cider_partial_within_10pct_of_lora = ratio >= 0.9;
  criteria.cider_target_ratio_partial_over_lora = summary.partial.cider_d_target.mean / summary.lora.cider_d_target.mean;
}

const fmt = (x, d = 3) => (Math.abs(x) > 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(d));
const pm = (s, d = 3) => `${fmt(s.mean, d)} ± ${fmt(s.std, d)}`;
const names = { partial: 'Partial LoRA', lora: 'LoRA', full: 'Full fine-tune' };
const lines = [
  `| arm | trainable params | adapter params | text PPL (before ${base.text.perplexity.toFixed(3)}) | Δ text PPL | max abs Δlogit | text logits bit-identical | CIDEr-D, all refs (before ${baseCaptions.cider_d.toFixed(3)}) | CIDEr-D vs captions[${captionIndex}] (before ${baseCaptions.cider_d_target.toFixed(3)}) | train loss (last 10) |`,
  '|---|---:|---:|---:|---:|---:|:---:|---:|---:|---:|',
  ...arms.map((a) => {
    const s = summary[a];
    return `| ${names[a] ?? a} | ${s.trainable_parameters} of ${s.total_parameters} (${((100 * s.trainable_parameters) / s.total_parameters).toFixed(2)}%) | ${s.adapter_parameters} | ${pm(s.text_perplexity)} | ${pm(s.text_perplexity_delta)} | ${pm(s.max_abs_logit_diff)} | ${s.bit_identical_all_seeds ? 'yes (3/3)'.replace('3/3', `${seeds.length}/${seeds.length}`) : 'no'} | ${pm(s.cider_d)} | ${pm(s.cider_d_target)} | ${pm(s.train_loss_last10)} |`;
  }),
];
const table = lines.join('\n');
const command = `node packages/plora/bench/plora-vs-lora.mjs ${process.argv.slice(2).join(' ')}`;
const result = {
  command,
  backend: { name: backend.name, simd: backend.simd, threads: backend.threads },
  checkpoint: ckptDir, seeds, arms, steps, batchSize, lrAdapter, lrFull, rank, alpha, targets: TARGETS,
  finetuneCaptions: `captions[${captionIndex}]`, trainSize, testSize, corpus: { seed: 99, size: corpusSize, tokens: base.text.tokens },
  sftCheckpoint: { text_perplexity: sftOnly.text.perplexity, cider_d: sftOnly.captions.cider_d, cider_d_target: sftOnly.captions.cider_d_target, caption_words: sftOnly.captions.caption_words },
  textWarmup: { steps: textWarmupSteps, lr: warmupLr, batchSize, corpus: 'createTextCorpus({ seed: 7, size: 5000 })', plugins: 'captioning(captions[0]) + languageModeling', wall_s: warmup?.wall_s, cached: warmup?.cached },
  pretrained: { text_perplexity: base.text.perplexity, cider_d: baseCaptions.cider_d, cider_d_target: baseCaptions.cider_d_target, caption_words: baseCaptions.caption_words, caption_examples: baseCaptions.examples, total_parameters: base.stats.total_parameters },
  summary, criteria, table, runs,
};
console.log(table);
console.log(JSON.stringify(criteria, null, 2));
const out = resolve(args.out ?? 'packages/plora/bench/results/plora-vs-lora.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
log(`wrote ${out}`);
