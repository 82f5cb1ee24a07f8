#!/usr/bin/env node
/**
 * An SFT checkpoint that can also answer POPE-style yes/no questions, so POPE measures something.
 *
 * Starts from a captioning SFT run (e.g. /work/sft/captioning, examples/captioning.yaml) and continues
 * SFT with two captioning losses, each on its own data stream:
 *   - the train captions (as the captioning run), and
 *   - question answering: "[BOS] is there a red circle in the image? yes [EOS]", from the shapes
 *     world's `questions` (random / popular / adversarial probes of the train images), scored on the
 *     answer token only (--qa-loss answer, default) or on every token (--qa-loss all: the model then
 *     starts its BOS-only captions with "is there ...", which breaks CHAIR; kept to reproduce that).
 * POPE's hook asks `[BOS, question]` and reads the next token, which is what this teaches.
 * Writes <out>/config.json (the captioning run's config, with the steps added) and
 * <out>/checkpoints/step-N, the layout seva-vs-sft.mjs reads with --sft.
 *
 * Usage: node packages/seva/bench/train-qa-sft.mjs --sft /work/sft/captioning --out /work/sft/captioning-qa \
 *   [--steps 1000] [--batch 16] [--lr 1e-3] [--qa-weight 1] [--qa-loss answer|all] [--native auto|on|off]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Trainer, captioning, createModel, createShapesWorld, findLatestCheckpoint, initBackend, loadCheckpoint, shapesTokenizer, tf } from '@vlalign/core';
import { chairEvalHook, popeEvalHook } from '../dist/index.js';
import { qaAnswer } from './qa-answer-plugin.mjs';
import { enableNativeFlag } from './native-flag.mjs';

const { values: a } = parseArgs({
  options: {
    sft: { type: 'string', default: '/work/sft/captioning' },
    out: { type: 'string', default: '/work/sft/captioning-qa' },
    steps: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '16' },
    lr: { type: 'string', default: '1e-3' },
    'qa-weight': { type: 'string', default: '1' },
    'qa-loss': { type: 'string', default: 'answer' },
    seed: { type: 'string', default: '1' },
    native: { type: 'string', default: 'auto' },
  },
});
const out = resolve(a.out);
mkdirSync(out, { recursive: true });
const log = (m) => process.stderr.write(`[qa-sft ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const backend = await initBackend(process.env.VLALIGN_BACKEND);
const native = await enableNativeFlag(a.native);
log(`backend ${backend.name}, native ${native.active ? 'on' : `off (${native.reason})`}`);

const tokenizer = shapesTokenizer();
const sftRun = JSON.parse(readFileSync(join(a.sft, 'config.json'), 'utf8'));
const sftConfig = sftRun.config;
const ckptDir = findLatestCheckpoint(a.sft);
const ckpt = loadCheckpoint(ckptDir);
tf.dispose(Object.values(ckpt.optimizer));
const model = createModel('vlm', sftConfig.model.preset ?? 'tiny', { seed: sftConfig.seed ?? 0, vocabSize: tokenizer.vocabSize });
model.loadStateDict(Object.fromEntries(Object.entries(ckpt.model).filter(([k]) => !k.startsWith('plugins.'))));
log(`from ${ckptDir}`);

const train = createShapesWorld(sftConfig.data.train.shapesWorld);
const test = createShapesWorld({ ...sftConfig.data.eval.shapesWorld, split: 'test' });
const perImage = train.get(0).questions.length;
/** One sample per (train image, question): the caption field holds "question answer". */
export const qaData = {
  length: train.length * perImage,
  source: `${train.source}:questions`,
  get: async (i) => {
    const s = await train.get(Math.floor(i / perImage));
    const q = s.questions[(i % perImage) % s.questions.length];
    return { id: `${s.id}-q${i % perImage}`, image: s.image, captions: [`${q.question} ${q.answer}`] };
  },
};

const steps = Number(a.steps);
const t0 = performance.now();
await new Trainer({
  model,
  tokenizer,
  plugins: [
    { plugin: captioning({ maxLength: 32 }), data: train },
    { plugin: a['qa-loss'] === 'all' ? { ...captioning({ maxLength: 32 }), name: 'qa' } : qaAnswer({ maxLength: 32 }), weight: Number(a['qa-weight']), data: qaData },
  ],
  evalData: test,
  batchSize: Number(a.batch),
  steps,
  seed: Number(a.seed),
  optimizer: { lr: Number(a.lr), weightDecay: 0.01, warmupSteps: 20 },
  runDir: out,
  logEvery: 50,
  progress: false,
}).fit();
const seconds = Math.round((performance.now() - t0) / 1000);
model.eval();
const pope = await popeEvalHook({ maxSamples: 32, answer: 'generate' }).run({ model, tokenizer, evalData: test });
const chair = await chairEvalHook({ maxSamples: 100, maxNewTokens: 24 }).run({ model, tokenizer, evalData: test });
log(`${steps} steps in ${seconds} s; POPE (test, first 32 images, generate): ${JSON.stringify(pope)}; CHAIR (first 100): ${JSON.stringify(chair)}`);
writeFileSync(
  join(out, 'config.json'),
  JSON.stringify({ ...sftRun, config: { ...sftConfig, name: `${sftConfig.name}-qa` }, qaSft: { from: ckptDir, steps, batch: Number(a.batch), lr: Number(a.lr), qaWeight: Number(a['qa-weight']), qaLoss: a['qa-loss'], seed: Number(a.seed), seconds, native: native.active, pope, chair } }, null, 2),
);
