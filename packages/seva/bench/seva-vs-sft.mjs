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
 *   node packages/seva/bench/seva-vs-sft.mjs --sft /work/sft/captioning --out runs/seva-bench \
 *     [--seeds 1,2,3] [--steps 24] [--images 192] [--batch 8] [--lr 2e-4] [--beta 0.1] \
 *     [--aug diffusion|crop|flip|jitter] [--t 500] [--crop-scale 0.75] [--max-new-tokens 24] \
 *     [--loss-type sigmoid|ipo] [--sft-weight 0] [--pair-filter all|same-length] [--eval-offset 0] [--native auto|on|off]
 * --pair-filter same-length keeps only pairs whose chosen and rejected answers have the same number of
 * words (they differ in which objects/attributes/relations they name, not in how many), written to
 * pairs-same-length.jsonl; SeVa's own filter (identical answers dropped) always applies.
 * --sft-qa-weight w > 0 adds to the continued-SFT arm the question-answering loss of train-qa-sft.mjs
 * (the answer token of the same images' yes/no probes) with weight w, i.e. it continues that recipe.
 * --sft-weight w > 0 adds, in the DPO arm, captioning NLL on the pairs' chosen answers (the model's own
 * clean-image captions; no labels) with weight w, as RPO / TRL's rpo_alpha do. 0 (default): plain DPO.
 * --rpo-alpha a > 0: the seva plugin's rpoAlpha, a x NLL of the chosen answers given image AND prompt
 * (use it rather than --sft-weight with question pairs: --sft-weight scores [BOS, chosen] without the prompt).
 * --eval-offset N evaluates on the test split from image N on (CHAIR and POPE), so settings can be
 * chosen on test images the final runs do not report (offset 100 with the default 100/32 images).
 * --test-size N makes the test split N images long (default: the SFT run's eval size, 200); the shapes
 * world is seeded per index, so the first 200 images are the same either way.
 * --prompt caption|questions|mixed (default caption): what the pairs ask (makePreferencePairs' `prompt`):
 * the caption prompt, --questions-per-image of the train image's own yes/no questions, or both;
 * --question-max-new-tokens n limits the question answers (1: the yes/no token only); --question-t the
 * diffusion step of the question rows (default --t).
 * --dpo-sft-weight w > 0 gives the DPO arm, in the same trainer run, the continued-SFT arm's own supervised
 * objective with weight w: captioning on the train images' ground-truth captions (w) plus, with --sft-qa-weight q,
 * the QA-answer loss on the same images' yes/no probes (w x q). The supervised plugins use the SFT arm's plugin
 * names, data and seed, so each DPO step sees exactly the SFT arm's supervised batch of that step as well as its
 * pairs: both arms run the same number of optimizer steps, the DPO arm's steps also carry the SFT losses
 * (RPO / TRL-style regularisation). Not combinable with --sft-weight (both add a `captioning` plugin).
 * --lora-rank r > 0 (with --lora-alpha, default 2r): the DPO arm trains standard LoRA adapters on the LM's linear
 * layers (everything else frozen; the reference is the adapter-free model), as SeVa does; --dpo-lr sets that arm's lr
 * (default --lr; the SFT arm always uses --lr).
 * --pope-extra-images N > 0 also evaluates POPE (first token) on N test images from --eval-offset on, reported
 * as pope_x_* (for a less noisy POPE than --pope-images; 0, the default, skips it).
 * --sft-replicate k > 0 also trains a second continued-SFT arm (`sft-r`) that differs from `sft` only in its trainer
 * seed (seed + k, so other batches in another order), and evaluates it: the training noise floor of every metric.
 * --dpo-replicate k > 0 likewise trains the DPO arm again (`dpo-r`, trainer seed + k). With the same k as
 * --sft-replicate, dpo-r's supervised batches are sft-r's, so (dpo-r, sft-r) is a second paired comparison.
 * --derived-questions adds to the DPO arm's pairs (after --pair-filter), for every caption pair and every colour+shape
 * object its rejected caption names but its chosen one does not, the pair ("is there a <object> in the image?",
 * chosen "no", rejected "yes"): the caption preference restated as a yes/no preference, still without labels.
 * --native auto|on|off (default auto): turn on @vlalign/native's kernels when they load (on: fail
 * without them). Whether they were active is recorded in results.json (`native`).
 * Writes <out>/results.json and <out>/results.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  COLOURS,
  Trainer,
  captioning,
  createModel,
  createShapesWorld,
  findLatestCheckpoint,
  imagesToTensor,
  initBackend,
  loadCheckpoint,
  popeQuestion,
  preferencePairs,
  readMetrics,
  shapesObjectVocabulary,
  shapesTokenizer,
  tf,
} from '@vlalign/core';
import { chairEvalHook, makePreferencePairs, popeEvalHook, promptIds, seva } from '../dist/index.js';
import { qaAnswer } from './qa-answer-plugin.mjs';
import { enableNativeFlag } from './native-flag.mjs';

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
    aug: { type: 'string', default: 'diffusion' },
    'crop-scale': { type: 'string', default: '0.75' },
    'max-new-tokens': { type: 'string', default: '24' },
    'max-length': { type: 'string', default: '32' },
    'loss-type': { type: 'string', default: 'sigmoid' },
    'sft-weight': { type: 'string', default: '0' },
    'pair-filter': { type: 'string', default: 'all' },
    'sft-qa-weight': { type: 'string', default: '0' },
    'eval-offset': { type: 'string', default: '0' },
    'test-size': { type: 'string' },
    native: { type: 'string', default: 'auto' },
    prompt: { type: 'string', default: 'caption' },
    'questions-per-image': { type: 'string', default: '1' },
    'question-max-new-tokens': { type: 'string' },
    'rpo-alpha': { type: 'string', default: '0' },
    'question-t': { type: 'string' },
    'dpo-sft-weight': { type: 'string', default: '0' },
    'pope-extra-images': { type: 'string', default: '0' },
    'min-confidence': { type: 'string', default: '0.9' },
    'dpo-qa-weight': { type: 'string' },
    'lora-rank': { type: 'string', default: '0' },
    'lora-alpha': { type: 'string' },
    'dpo-lr': { type: 'string' },
    'sft-replicate': { type: 'string', default: '0' },
    'dpo-replicate': { type: 'string', default: '0' },
    'derived-questions': { type: 'boolean', default: false },
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

const aug = a.aug;
if (!['diffusion', 'crop', 'flip', 'jitter'].includes(aug)) throw new Error(`--aug: diffusion, crop, flip or jitter, got ${aug}`);
const maxNewTokens = Number(a['max-new-tokens']);
const maxLength = Number(a['max-length']);
const lossType = a['loss-type'];
const sftWeight = Number(a['sft-weight']);
const rpoAlpha = Number(a['rpo-alpha']);
const pairFilter = a['pair-filter'];
const sftQaWeight = Number(a['sft-qa-weight']);
const dpoSftWeight = Number(a['dpo-sft-weight']);
if (dpoSftWeight > 0 && sftWeight > 0) throw new Error('--dpo-sft-weight and --sft-weight both add a captioning plugin to the DPO arm; use one');
const popeExtraImages = Number(a['pope-extra-images']);
if (!['all', 'same-length', 'captions-only', 'confident'].includes(pairFilter)) throw new Error(`--pair-filter: all, same-length, captions-only or confident, got ${pairFilter}`);
const minConfidence = Number(a['min-confidence']);
const dpoQaWeight = a['dpo-qa-weight'] === undefined ? undefined : Number(a['dpo-qa-weight']);
const loraRank = Number(a['lora-rank']);
const loraAlpha = a['lora-alpha'] === undefined ? 2 * loraRank : Number(a['lora-alpha']);
const dpoLr = a['dpo-lr'] === undefined ? lr : Number(a['dpo-lr']);
// LoRA for the DPO arm comes from @vlalign/plora (SeVa itself trains LoRA); the seva plugin then
// uses the adapter-free model as its reference.
const { plora } = loraRank > 0 ? await import('@vlalign/plora') : {};
const sftReplicate = Number(a['sft-replicate']);
const dpoReplicateOffset = Number(a['dpo-replicate']);
const derivedQuestions = a['derived-questions'];
const evalOffset = Number(a['eval-offset']);
const prompt = a.prompt;
if (!['caption', 'questions', 'mixed'].includes(prompt)) throw new Error(`--prompt: caption, questions or mixed, got ${prompt}`);
const questionsPerImage = Number(a['questions-per-image']);
const questionT = a['question-t'] === undefined ? undefined : Number(a['question-t']);
const questionMaxNewTokens = a['question-max-new-tokens'] === undefined ? undefined : Number(a['question-max-new-tokens']);

const backend = await initBackend(process.env.VLALIGN_BACKEND);
log(`backend ${backend.name} threads=${backend.threads}`);
const native = await enableNativeFlag(a.native);
log(`native: ${native.active ? `active (gemm ${native.gemm})` : `off (${native.reason})`}`);
const startedAt = performance.now();
const secondsSince = (t0) => Math.round((performance.now() - t0) / 100) / 10;
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
const testSpec = { ...(sftConfig.data.eval?.shapesWorld ?? trainSpec), split: 'test' };
if (a['test-size'] !== undefined) testSpec.size = Number(a['test-size']);
const testAll = createShapesWorld(testSpec);
const sliceOf = (offset, n) => ({ length: n, source: `${train.source}[${offset}:${offset + n}]`, get: (i) => train.get(offset + i) });
const test =
  evalOffset > 0
    ? { length: testAll.length - evalOffset, source: `${testAll.source}[${evalOffset}:]`, get: (i) => testAll.get(evalOffset + i) }
    : testAll;
if (test.length < Math.max(Number(a['chair-images']), popeExtraImages)) throw new Error(`--eval-offset ${evalOffset} leaves ${test.length} test images, fewer than --chair-images or --pope-extra-images`);

/** One sample per (image, probe slot): up to 18 yes/no probes per image (slots past an image's count repeat its probes), the answer after the question. */
function questionsOf(ds) {
  const perImage = 18;
  return {
    length: ds.length * perImage,
    source: `${ds.source}:questions`,
    get: async (i) => {
      const s = await ds.get(Math.floor(i / perImage));
      const q = s.questions[(i % perImage) % s.questions.length];
      return { id: `${s.id}-q${i % perImage}`, image: s.image, captions: [`${q.question} ${q.answer}`] };
    },
  };
}

/**
 * Per pairs-file row: the model's softmax probability of the chosen answer's first token after the
 * row's prompt on the clean image (captions rows get NaN; only question rows are scored).
 */
async function chosenConfidence(model, file, rows) {
  const pairs = await preferencePairs(file, { imageSize: 64 });
  const out = new Array(rows.length).fill(Number.NaN);
  const todo = rows.map((r, i) => i).filter((i) => rows[i].prompt !== '');
  model.eval();
  for (let s = 0; s < todo.length; s += 64) {
    const idx = todo.slice(s, s + 64);
    const samples = await Promise.all(idx.map((i) => pairs.get(i)));
    const prompts = idx.map((i) => promptIds(tokenizer, rows[i].prompt));
    const targets = idx.map((i) => tokenizer.encode(rows[i].chosen)[0]);
    const T = Math.max(...prompts.map((p) => p.length));
    const ids = new Int32Array(idx.length * T).fill(tokenizer.padId);
    const mask = new Float32Array(idx.length * T);
    prompts.forEach((p, b) => p.forEach((id, t) => ((ids[b * T + t] = id), (mask[b * T + t] = 1))));
    const probs = tf.tidy(() => {
      const images = imagesToTensor(samples.map((x) => x.image), 64);
      const { logits } = model.forward({ images, inputIds: tf.tensor2d(ids, [idx.length, T], 'int32'), attentionMask: tf.tensor2d(mask, [idx.length, T]) });
      const V = logits.shape[2];
      const last = tf.tensor1d(prompts.map((p, b) => b * T + p.length - 1), 'int32');
      const p = tf.softmax(tf.gather(tf.reshape(logits, [-1, V]), last));
      return tf.gather(tf.reshape(p, [-1]), tf.tensor1d(targets.map((t, b) => b * V + t), 'int32'));
    });
    const v = await probs.data();
    probs.dispose();
    idx.forEach((i, b) => (out[i] = v[b]));
  }
  return out;
}

/** An answer's first word (a yes/no answer's verdict). */
const first = (x) => x.trim().split(/\s+/)[0] ?? '';

const shapeOfWord = new Map(Object.entries(shapesObjectVocabulary()).flatMap(([shape, words]) => words.map((w) => [w, shape])));
/** The colour+shape objects (POPE's objects, e.g. "red circle") a caption names: a colour word right before a shape word. */
function colourShapesOf(text) {
  const w = text.trim().split(/\s+/);
  const out = new Set();
  for (let i = 0; i + 1 < w.length; i++) if (COLOURS.includes(w[i]) && shapeOfWord.has(w[i + 1])) out.add(`${w[i]} ${shapeOfWord.get(w[i + 1])}`);
  return out;
}

/** Length and object statistics of a pairs file (are the rejected answers just longer?). */
function pairStats(file) {
  const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const words = (x) => x.trim().split(/\s+/).filter(Boolean).length;
  const n = rows.length || 1;
  const sum = (f) => rows.reduce((s, r) => s + f(r), 0);
  const questionRows = rows.filter((r) => r.prompt !== '');
  return {
    captionPairs: rows.length - questionRows.length,
    questionPairs: questionRows.length,
    // question pairs whose chosen (clean-image) answer starts with yes / no, and whose rejected one flips it
    questionChosenYes: questionRows.filter((r) => first(r.chosen) === 'yes').length,
    questionChosenNo: questionRows.filter((r) => first(r.chosen) === 'no').length,
    questionFlipped: questionRows.filter((r) => ['yes', 'no'].includes(first(r.chosen)) && ['yes', 'no'].includes(first(r.rejected)) && first(r.chosen) !== first(r.rejected)).length,
    questionExamples: questionRows.slice(0, 3).map((r) => ({ prompt: r.prompt, chosen: r.chosen, rejected: r.rejected })),
    chosenWords: sum((r) => words(r.chosen)) / n,
    rejectedWords: sum((r) => words(r.rejected)) / n,
    rejectedLonger: sum((r) => (words(r.rejected) > words(r.chosen) ? 1 : 0)) / n,
    rejectedShorter: sum((r) => (words(r.rejected) < words(r.chosen) ? 1 : 0)) / n,
    examples: rows.slice(0, 3).map((r) => ({ chosen: r.chosen, rejected: r.rejected })),
  };
}

const hooks = [
  chairEvalHook({ maxSamples: Number(a['chair-images']), maxNewTokens: 24 }),
  { ...popeEvalHook({ maxSamples: Number(a['pope-images']), answer: 'generate' }), name: 'pope-generate' },
  { ...popeEvalHook({ maxSamples: Number(a['pope-images']), answer: 'compare' }), name: 'pope-compare' },
  ...(popeExtraImages > 0 ? [{ ...popeEvalHook({ maxSamples: popeExtraImages, answer: 'generate' }), name: 'pope-extra' }] : []),
];
const renameKey = { 'pope-compare': (k) => k.replace('pope_', 'pope_cmp_'), 'pope-extra': (k) => k.replace('pope_', 'pope_x_') };

/** CHAIR + POPE of a model on the test split (cached in `file`). */
async function evaluate(model, file) {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  model.eval();
  const ctx = { model, tokenizer, evalData: test };
  const r = {};
  for (const h of hooks) {
    const m = await h.run(ctx);
    for (const [k, v] of Object.entries(m)) r[renameKey[h.name] ? renameKey[h.name](k) : k] = v;
  }
  writeFileSync(file, JSON.stringify(r, null, 2));
  return r;
}

const results = {
  settings: { sft: ckptDir, seeds, steps, images, batch, lr, beta, lossType, sftWeight, rpoAlpha, pairFilter, sftQaWeight, dpoSftWeight, dpoQaWeight, minConfidence, loraRank, loraAlpha, dpoLr, sftReplicate, dpoReplicate: dpoReplicateOffset, derivedQuestions, popeExtraImages, prompt, questionsPerImage, questionMaxNewTokens, questionT, aug, t: Number(a.t), cropScale: Number(a['crop-scale']), maxNewTokens, maxLength, evalOffset, testSize: testAll.length, chairImages: Number(a['chair-images']), popeImages: Number(a['pope-images']), backend: backend.name },
  native: { active: native.active, ...(native.active ? { gemm: native.gemm, threads: native.threads } : { reason: native.reason }) },
  baseline: undefined,
  seeds: [],
};
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
  const made = await makePreferencePairs({ model: gen, tokenizer, dataset: source, out: pairsFile, augmentation: aug, t: Number(a.t), cropScale: Number(a['crop-scale']), seed, maxNewTokens, prompt, questionsPerImage, questionMaxNewTokens, questionT, batchSize: 32, log });
  gen.dispose();
  const pairsSeconds = secondsSince(t0);
  const stats = pairStats(pairsFile);
  log(`seed ${seed}: ${made.kept} pairs kept (${stats.captionPairs} caption, ${stats.questionPairs} question: ${stats.questionChosenYes} chosen yes, ${stats.questionChosenNo} no, ${stats.questionFlipped} flipped), ${made.dropped} identical dropped, ${made.droppedEmpty} empty (${pairsSeconds} s); words chosen ${stats.chosenWords.toFixed(1)} rejected ${stats.rejectedWords.toFixed(1)}, rejected longer ${(stats.rejectedLonger * 100).toFixed(0)}%`);

  let trainPairsFile = pairsFile;
  let filtered;
  if (pairFilter === 'same-length') {
    const words = (x) => x.trim().split(/\s+/).filter(Boolean).length;
    const lines = readFileSync(pairsFile, 'utf8').split('\n').filter(Boolean);
    const keep = lines.filter((l) => { const r = JSON.parse(l); return words(r.chosen) === words(r.rejected); });
    trainPairsFile = join(dir, 'pairs-same-length.jsonl');
    writeFileSync(trainPairsFile, keep.map((l) => `${l}\n`).join(''));
    filtered = { kept: keep.length, droppedLength: lines.length - keep.length };
    log(`seed ${seed}: same-length filter keeps ${keep.length} of ${lines.length} pairs`);
  }
  if (pairFilter === 'captions-only' || pairFilter === 'confident') {
    const lines = readFileSync(pairsFile, 'utf8').split('\n').filter(Boolean);
    const rows = lines.map((l) => JSON.parse(l));
    let keepRow;
    let confidence;
    if (pairFilter === 'captions-only') keepRow = rows.map((r) => r.prompt === '');
    else {
      // Label-free, like SeVa itself: the start model's own probability of its clean-image answer.
      const scorer = loadSft();
      confidence = await chosenConfidence(scorer, pairsFile, rows);
      scorer.dispose();
      keepRow = rows.map((r, i) => r.prompt === '' || confidence[i] >= minConfidence);
    }
    const keep = lines.filter((_, i) => keepRow[i]);
    trainPairsFile = join(dir, `pairs-${pairFilter}.jsonl`);
    writeFileSync(trainPairsFile, keep.map((l) => `${l}\n`).join(''));
    const q = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.prompt !== '');
    filtered = {
      kept: keep.length,
      questionPairsKept: q.filter(({ i }) => keepRow[i]).length,
      questionChosenYesKept: q.filter(({ r, i }) => keepRow[i] && first(r.chosen) === 'yes').length,
      ...(confidence ? { minConfidence, questionConfidenceMean: q.reduce((s, { i }) => s + confidence[i], 0) / Math.max(1, q.length) } : {}),
    };
    log(`seed ${seed}: ${pairFilter} filter keeps ${keep.length} of ${lines.length} pairs (${filtered.questionPairsKept} of ${q.length} question pairs, ${filtered.questionChosenYesKept} chosen yes)`);
  }
  if (derivedQuestions) {
    // Caption pairs turned into yes/no pairs, with no labels: an object that the model names only on
    // the augmented image is SeVa's dispreferred content, so on the clean image "is there <it>?"
    // prefers "no" over "yes". (Objects named only on the clean image are not used: the clean
    // captions themselves name many absent objects, so "yes" for them would be a poor preference.)
    const lines = readFileSync(trainPairsFile, 'utf8').split('\n').filter(Boolean);
    const derived = [];
    for (const line of lines) {
      const r = JSON.parse(line);
      if (r.prompt !== '') continue;
      const chosen = colourShapesOf(r.chosen);
      let k = 0;
      for (const object of colourShapesOf(r.rejected)) {
        if (chosen.has(object)) continue;
        derived.push(JSON.stringify({ id: `${r.id}-dq${k++}`, prompt: popeQuestion(object), chosen: 'no', rejected: 'yes', images: r.images }));
      }
    }
    trainPairsFile = trainPairsFile.replace(/\.jsonl$/, '-derived.jsonl');
    writeFileSync(trainPairsFile, [...lines, ...derived].map((l) => `${l}\n`).join(''));
    filtered = { ...(filtered ?? { kept: lines.length }), kept: lines.length + derived.length, derivedQuestionPairs: derived.length };
    log(`seed ${seed}: ${derived.length} derived question pairs added to ${lines.length} pairs`);
  }
  // the continued-SFT arm's supervised objective; same plugin names and data, so the same batches per step
  const supervised = (w, qaWeight = sftQaWeight) => [
    { plugin: captioning({ maxLength }), weight: w, data: source },
    ...(qaWeight > 0 ? [{ plugin: qaAnswer({ maxLength }), weight: w * qaWeight, data: questionsOf(source) }] : []),
  ];
  const pairs = await preferencePairs(trainPairsFile, { imageSize: 64 });
  /** Trains one arm from the SFT weights (`trainerSeed` orders its batches), then evaluates it. */
  async function trainArm(name, trainerSeed, { plugins, data, lr: armLr }) {
    const model = loadSft();
    const trainer = new Trainer({
      model,
      tokenizer,
      plugins,
      data,
      batchSize: batch,
      steps,
      seed: trainerSeed,
      optimizer: { lr: armLr, weightDecay: 0, warmupSteps: 0 },
      runDir: join(dir, name),
      logEvery: 4,
      progress: false,
    });
    const t = performance.now();
    await trainer.fit();
    const seconds = secondsSince(t);
    const evaluation = await evaluate(model, join(dir, `eval-${name}.json`));
    model.dispose();
    return { evaluation, seconds };
  }
  // Plugins are made per arm: the seva plugin keeps its reference model and state per run.
  const dpoArm = (name, trainerSeed) =>
    trainArm(name, trainerSeed, {
      plugins: [
        seva({ beta, lossType, maxLength, rpoAlpha, chair: false, pope: false }),
        // optional NLL on the chosen answers (the captioning plugin reads `captions`)
        ...(sftWeight > 0
          ? [{ plugin: captioning({ maxLength }), weight: sftWeight, data: { length: pairs.length, source: `${pairs.source ?? 'pairs'}:chosen`, get: async (i) => { const p = await pairs.get(i); return { ...p, captions: [p.chosen] }; } } }]
          : []),
        ...(dpoSftWeight > 0 ? supervised(dpoSftWeight, dpoQaWeight ?? sftQaWeight) : []),
        ...(loraRank > 0 ? [plora({ rank: loraRank, alpha: loraAlpha, targets: 'llm-all-linear', partial: false })] : []),
      ],
      data: pairs,
      lr: dpoLr,
    });
  // the continued-SFT arm: the start checkpoint's own objective
  const continuedSft = (name, trainerSeed) => trainArm(name, trainerSeed, { plugins: supervised(1), data: source, lr });
  const { evaluation: dpoEval, seconds: dpoSeconds } = await dpoArm('dpo', seed);
  const dpoReplicate = dpoReplicateOffset > 0 ? await dpoArm('dpo-r', seed + dpoReplicateOffset) : undefined;
  const { evaluation: sftEval, seconds: sftSeconds } = await continuedSft('sft', seed);
  const replicate = sftReplicate > 0 ? await continuedSft('sft-r', seed + sftReplicate) : undefined;

  const curve = readMetrics(join(dir, 'dpo', 'metrics.jsonl'))
    .filter((r) => r['seva/loss'] !== undefined)
    .map((r) => ({ step: r.step, loss: r['seva/loss'], chosen: r['seva/rewards/chosen'], rejected: r['seva/rewards/rejected'], accuracy: r['seva/rewards/accuracies'], margin: r['seva/rewards/margins'], logpsChosen: r['seva/logps/chosen'], logpsRejected: r['seva/logps/rejected'], ...(r['seva/nll'] !== undefined ? { nll: r['seva/nll'] } : {}), ...(r['captioning/loss'] !== undefined ? { captionLoss: r['captioning/loss'] } : {}), ...(r['qa/loss'] !== undefined ? { qaLoss: r['qa/loss'] } : {}) }));
  // the SFT arm's supervised losses, to compare with the DPO arm's captionLoss / qaLoss
  const sftCurve = readMetrics(join(dir, 'sft', 'metrics.jsonl'))
    .filter((r) => r['captioning/loss'] !== undefined)
    .map((r) => ({ step: r.step, captionLoss: r['captioning/loss'], ...(r['qa/loss'] !== undefined ? { qaLoss: r['qa/loss'] } : {}) }));
  results.seeds.push({
    seed,
    pairs: { kept: made.kept, dropped: made.dropped, droppedEmpty: made.droppedEmpty, images: made.processed, ...stats, ...(filtered ? { filtered } : {}) },
    dpo: dpoEval,
    sft: sftEval,
    ...(replicate ? { sftReplicate: replicate.evaluation } : {}),
    ...(dpoReplicate ? { dpoReplicate: dpoReplicate.evaluation } : {}),
    rewards: curve,
    sftLosses: sftCurve,
    // train seconds exclude evaluation; pairs are resumable, so a resumed run reports only the remainder
    seconds: { pairs: pairsSeconds, dpoTrain: dpoSeconds, sftTrain: sftSeconds, ...(replicate ? { sftReplicateTrain: replicate.seconds } : {}), ...(dpoReplicate ? { dpoReplicateTrain: dpoReplicate.seconds } : {}), seedTotal: secondsSince(t0) },
  });
  log(`seed ${seed}: DPO ${JSON.stringify(dpoEval)}\n  SFT ${JSON.stringify(sftEval)}${replicate ? `\n  SFT-r ${JSON.stringify(replicate.evaluation)}` : ''}${dpoReplicate ? `\n  DPO-r ${JSON.stringify(dpoReplicate.evaluation)}` : ''}`);
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
  ...(popeExtraImages > 0
    ? [
        [`POPE F1 (%), first token, ${popeExtraImages} images`, 'pope_x_f1'],
        [`POPE accuracy (%), first token, ${popeExtraImages} images`, 'pope_x_accuracy'],
        [`POPE yes-ratio (%), ${popeExtraImages} images`, 'pope_x_yes_ratio'],
      ]
    : []),
];
results.seconds = secondsSince(startedAt);
writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2));
const augText = aug === 'diffusion' ? `diffusion t=${a.t}${questionT !== undefined ? ` (questions t=${questionT})` : ''}` : aug === 'crop' ? `crop ${a['crop-scale']}` : aug;
const md = [
  `SFT start ${ckptDir}; ${seeds.length} seeds; ${steps} steps each, batch ${batch}, lr ${lr}, ${lossType} beta ${beta}${sftWeight > 0 ? ` + ${sftWeight} x NLL(chosen)` : ''}${rpoAlpha > 0 ? ` + rpoAlpha ${rpoAlpha}` : ''}${dpoSftWeight > 0 ? ` + ${dpoSftWeight} x the SFT arm's loss` : ''}, ${augText}, answers <= ${maxNewTokens} tokens, prompt ${prompt}${prompt === 'caption' ? '' : ` (${questionsPerImage} question(s) per image)`}${sftQaWeight > 0 ? `, SFT arm + ${sftQaWeight} x QA answer loss` : ''}; test images ${evalOffset}..${evalOffset + Number(a['chair-images']) - 1} (CHAIR), ${evalOffset}..${evalOffset + Number(a['pope-images']) - 1} (POPE)${popeExtraImages > 0 ? `, ${evalOffset}..${evalOffset + popeExtraImages - 1} (POPE extra)` : ''}; backend ${backend.name}, native ${native.active ? 'on' : 'off'}; ${results.seconds} s.`,
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
    return `| ${s.seed} | ${s.pairs.filtered ? `${s.pairs.filtered.kept} kept by ${results.settings.pairFilter} of ${s.pairs.kept}` : s.pairs.kept}${s.pairs.questionPairs ? ` (${s.pairs.captionPairs} caption + ${s.pairs.questionPairs} question)` : ''} / ${s.pairs.images} | ${s.pairs.dropped} | ${f.accuracy.toFixed(2)} -> ${l.accuracy.toFixed(2)} | ${f.margin.toFixed(3)} -> ${l.margin.toFixed(3)} | ${l.chosen.toFixed(3)}, ${l.rejected.toFixed(3)} |`;
  }),
  '',
  '| seed | CHAIR_i % SFT / DPO | CHAIR_s % SFT / DPO | mentions SFT / DPO | POPE cmp F1 % SFT / DPO | words chosen / rejected | rejected longer % |',
  '|---|---|---|---|---|---|---|',
  ...results.seeds.map((s) => {
    const p = (k, f = 100, d = 1) => `${(s.sft[k] * f).toFixed(d)} / ${(s.dpo[k] * f).toFixed(d)}`;
    return `| ${s.seed} | ${p('chair_i')} | ${p('chair_s')} | ${p('chair_mentions', 1, 2)} | ${p('pope_cmp_f1')} | ${s.pairs.chosenWords.toFixed(1)} / ${s.pairs.rejectedWords.toFixed(1)} | ${(s.pairs.rejectedLonger * 100).toFixed(0)} |`;
  }),
].join('\n');
writeFileSync(join(out, 'results.md'), `${md}\n`);
process.stdout.write(`${md}\n`);
