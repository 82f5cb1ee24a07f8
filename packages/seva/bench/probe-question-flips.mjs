#!/usr/bin/env node
/**
 * How often a yes/no answer flips under diffusion noise: the QA checkpoint answers every (deduplicated)
 * yes/no question of 100 train images (3000-3099, validation seed 4's slice) with its first token, on the
 * clean image and on the image noised at each t given; prints the pairs kept (flipped answers) and how
 * often the chosen (clean) and the rejected (noised) answer is the right one (labels read for this count only).
 * Usage: node packages/seva/bench/probe-question-flips.mjs 200 300 400 500 800
 */
import { readFileSync } from 'node:fs';
import { createModel, createShapesWorld, findLatestCheckpoint, initBackend, loadCheckpoint, shapesTokenizer, tf } from '@vlalign/core';
import { makePreferencePairs } from '../dist/index.js';
import { enableNativeFlag } from './native-flag.mjs';
await initBackend(); await enableNativeFlag('auto');
const sft = '/work/sft/captioning-qa-answer';
const cfg = JSON.parse(readFileSync(`${sft}/config.json`, 'utf8')).config;
const ck = loadCheckpoint(findLatestCheckpoint(sft)); tf.dispose(Object.values(ck.optimizer));
const tok = shapesTokenizer();
const m = createModel('vlm', cfg.model.preset ?? 'tiny', { seed: cfg.seed ?? 0, vocabSize: tok.vocabSize });
m.loadStateDict(Object.fromEntries(Object.entries(ck.model).filter(([k]) => !k.startsWith('plugins.'))));
m.eval();
const train = createShapesWorld(cfg.data.train.shapesWorld);
const src = { length: 100, source: 'probe', get: (i) => train.get(3000 + i) };
for (const t of process.argv.slice(2).map(Number)) {
  const t0 = Date.now();
  const out = `/tmp/sevaprobe/t${t}/pairs.jsonl`;
  const r = await makePreferencePairs({ model: m, tokenizer: tok, dataset: src, out, prompt: 'questions', questionsPerImage: 18, questionMaxNewTokens: 1, augmentation: 'diffusion', t, seed: 1, resume: false });
  const rows = readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  // correctness of chosen vs rejected (analysis only)
  let cc = 0, rc = 0;
  for (const row of rows) {
    const i = Number(row.id.match(/train-(\d+)/)[1]);
    const s = await train.get(i);
    const q = s.questions.find((q) => q.question === row.prompt);
    if (q.answer === row.chosen) cc++; if (q.answer === row.rejected) rc++;
  }
  console.log(`t=${t}: ${r.kept} kept of ${r.kept + r.dropped + r.droppedEmpty} (${r.droppedEmpty} empty); chosen correct ${cc}, rejected correct ${rc}; ${(Date.now() - t0) / 1000}s`);
}
