#!/usr/bin/env node
/**
 * Re-measures POPE for already-trained seva-vs-sft runs on a larger test slice, per seed and arm,
 * with paired counts (how many probes the two arms answer differently, and which arm is right).
 *
 *   node packages/seva/bench/pope-large.mjs --sft /work/sft/captioning-qa-answer \
 *     --runs <bench out dir>[,<dir>...] --offset 200 --images 1800 --out <file.json> [--arms sft,dpo]
 * Each run dir holds seed-N/<arm>/checkpoints (seva-vs-sft.mjs's layout: sft, dpo, and sft-r with
 * --sft-replicate, dpo-r with --dpo-replicate); the arm `start` is the --sft checkpoint itself.
 * --pairs x:y,... (default: every arm after the first, against the first) gives paired counts per pair:
 * `paired['x:y']` = { differ, right (x right where they differ), baseRight (y right there) }.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createModel, createShapesWorld, findLatestCheckpoint, imagesToTensor, initBackend, loadCheckpoint, pope, shapesTokenizer, tf } from '@vlalign/core';
import { promptIds } from '../dist/index.js';
import { enableNativeFlag } from './native-flag.mjs';

const { values: a } = parseArgs({ options: { sft: { type: 'string' }, runs: { type: 'string' }, offset: { type: 'string', default: '200' }, images: { type: 'string', default: '1800' }, out: { type: 'string' }, arms: { type: 'string', default: 'sft,dpo' }, pairs: { type: 'string' }, native: { type: 'string', default: 'auto' } } });
if (!a.sft || !a.runs || !a.out) throw new Error('--sft, --runs and --out are required');
await initBackend(process.env.VLALIGN_BACKEND);
await enableNativeFlag(a.native);
const tokenizer = shapesTokenizer();
const sftConfig = JSON.parse(readFileSync(join(a.sft, 'config.json'), 'utf8')).config;
const arms = a.arms.split(',');
if (arms.length < 2) throw new Error(`--arms needs at least two arms to pair, got ${a.arms}`);
const pairs = (a.pairs ?? arms.slice(1).map((arm) => `${arm}:${arms[0]}`).join(',')).split(',').map((p) => p.split(':'));
for (const p of pairs) if (p.length !== 2 || !p.every((arm) => arms.includes(arm))) throw new Error(`--pairs: x:y with both in --arms (${a.arms}), got ${p.join(':')}`);
const offset = Number(a.offset);
const count = Number(a.images);
const testSpec = { ...(sftConfig.data.eval?.shapesWorld ?? sftConfig.data.train.shapesWorld), split: 'test', size: offset + count };
const test = createShapesWorld(testSpec);

const probes = [];
for (let i = offset; i < offset + count; i++) {
  const s = await test.get(i);
  for (const q of s.questions) probes.push({ image: s.image, question: q.question, label: q.answer });
}
process.stderr.write(`${probes.length} probes on test images ${offset}-${offset + count - 1}\n`);

/** A trained arm; a LoRA DPO arm (`--lora-rank`) gets the run's adapters injected before loading. */
async function load(dir, settings) {
  const ckpt = loadCheckpoint(findLatestCheckpoint(dir));
  tf.dispose(Object.values(ckpt.optimizer));
  const m = createModel('vlm', sftConfig.model.preset ?? 'tiny', { seed: sftConfig.seed ?? 0, vocabSize: tokenizer.vocabSize });
  if (Object.keys(ckpt.model).some((k) => k.includes('.lora_A.'))) {
    const { applyLoRA } = await import('@vlalign/plora');
    applyLoRA(m, { rank: settings.loraRank, alpha: settings.loraAlpha, targets: 'llm-all-linear' });
  }
  m.loadStateDict(Object.fromEntries(Object.entries(ckpt.model).filter(([k]) => !k.startsWith('plugins.'))));
  m.eval();
  return m;
}

/** First generated token per probe, read with POPE's rule (anything but no/not is yes). */
async function answers(model) {
  const out = [];
  for (let s = 0; s < probes.length; s += 64) {
    const chunk = probes.slice(s, s + 64);
    const images = imagesToTensor(chunk.map((p) => p.image), model.config.vision.imageSize);
    try {
      const { ids } = await model.generate(images, { prompt: chunk.map((p) => promptIds(tokenizer, p.question)), maxNewTokens: 1, temperature: 0, padId: tokenizer.padId });
      for (const row of ids) out.push(tokenizer.decode([row[0]]));
    } finally {
      images.dispose();
    }
  }
  return out;
}

const labels = probes.map((p) => p.label);
const results = { offset, images: count, probes: probes.length, arms, pairs: pairs.map((p) => p.join(':')), seeds: [] };
let startPope;
for (const run of a.runs.split(',')) {
  const settings = JSON.parse(readFileSync(join(run, 'results.json'), 'utf8')).settings;
  for (const d of readdirSync(run).filter((x) => /^seed-\d+$/.test(x)).sort()) {
    const r = { run, seed: Number(d.slice(5)) };
    // POPE's own parsed answers, so the paired counts read answers exactly as the F1 does
    const parsed = {};
    for (const arm of arms) {
      // the start checkpoint is the same for every seed: answer once
      let p = arm === 'start' ? startPope : undefined;
      if (!p) {
        const m = await load(arm === 'start' ? a.sft : join(run, d, arm), settings);
        p = pope(await answers(m), labels);
        m.dispose();
        if (arm === 'start') startPope = p;
      }
      parsed[arm] = p.predictions;
      r[arm] = { f1: p.f1, accuracy: p.accuracy, yesRatio: p.yesRatio };
    }
    r.paired = {};
    for (const [x, y] of pairs) {
      let differ = 0;
      let right = 0;
      for (let i = 0; i < labels.length; i++) {
        if (parsed[x][i] === parsed[y][i]) continue;
        differ++;
        if (parsed[x][i] === labels[i]) right++;
      }
      r.paired[`${x}:${y}`] = { differ, right, baseRight: differ - right };
    }
    results.seeds.push(r);
    process.stderr.write(`${d}: ${arms.map((arm) => `${arm} F1 ${(r[arm].f1 * 100).toFixed(2)}`).join(', ')}; ${Object.entries(r.paired).map(([k, v]) => `${k} differ on ${v.differ} (first right on ${v.right})`).join(', ')}\n`);
    writeFileSync(a.out, JSON.stringify(results, null, 2));
  }
}
