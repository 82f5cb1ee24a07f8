// Run 10's diagnostic: how often are caption-derived yes/no pseudo-labels right? (labels read for this count only)
// Run from the repo root after building: node packages/seva/bench/results/run10/caption-q-labels.mjs
// (reads run 5's validation pairs in /work/seva-bench5 and the QA checkpoint /work/sft/captioning-qa-answer)
import { readFileSync } from 'node:fs';
import { COLOURS, createShapesWorld, initBackend, popeQuestion, shapesObjectVocabulary } from '@vlalign/core';
await initBackend('cpu');
const word2shape = new Map(Object.entries(shapesObjectVocabulary()).flatMap(([s, ws]) => ws.map((w) => [w, s])));
function objectsOf(text) {
  const w = text.trim().split(/\s+/);
  const out = new Set();
  for (let i = 0; i + 1 < w.length; i++) if (COLOURS.includes(w[i]) && word2shape.has(w[i + 1])) out.add(`${w[i]} ${word2shape.get(w[i + 1])}`);
  return out;
}
const cfg = JSON.parse(readFileSync('/work/sft/captioning-qa-answer/config.json', 'utf8')).config;
const train = createShapesWorld(cfg.data.train.shapesWorld);
const stats = { onlyRejected: [0, 0], onlyChosen: [0, 0], chosenAll: [0, 0], rejectedAll: [0, 0], images: 0, imagesWithQ: 0 };
for (const seed of [4, 5]) {
  const rows = readFileSync(`/work/seva-bench5/val-A-w1-lr5e-5-b0.3/seed-${seed}/pairs.jsonl`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.prompt === '');
  for (const r of rows) {
    const idx = Number(r.id.split('-').at(-1));
    const s = await train.get(idx);
    const present = new Set(s.objects.map((o) => `${o.colour} ${o.shape}`));
    const C = objectsOf(r.chosen), R = objectsOf(r.rejected);
    stats.images++;
    let q = 0;
    for (const o of R) if (!C.has(o)) { stats.onlyRejected[0] += present.has(o) ? 0 : 1; stats.onlyRejected[1]++; q++; }
    for (const o of C) if (!R.has(o)) { stats.onlyChosen[0] += present.has(o) ? 1 : 0; stats.onlyChosen[1]++; q++; }
    for (const o of C) { stats.chosenAll[0] += present.has(o) ? 1 : 0; stats.chosenAll[1]++; }
    for (const o of R) { stats.rejectedAll[0] += present.has(o) ? 1 : 0; stats.rejectedAll[1]++; }
    if (q) stats.imagesWithQ++;
  }
}
const f = ([a, b]) => `${a}/${b} = ${(100 * a / b).toFixed(1)}%`;
console.log(`caption pairs ${stats.images}, with a derived question ${stats.imagesWithQ}`);
console.log(`objects only in the rejected caption, truly absent ("no" right): ${f(stats.onlyRejected)}`);
console.log(`objects only in the chosen caption, truly present ("yes" right): ${f(stats.onlyChosen)}`);
console.log(`chosen-caption objects present: ${f(stats.chosenAll)}; rejected-caption objects present: ${f(stats.rejectedAll)}`);

// The start model's own answer to those questions on the clean image
const { createModel, findLatestCheckpoint, imagesToTensor, loadCheckpoint, shapesTokenizer, tf } = await import('@vlalign/core');
const { promptIds } = await import('../../../dist/index.js');
const tok = shapesTokenizer();
const ck = loadCheckpoint(findLatestCheckpoint('/work/sft/captioning-qa-answer'));
tf.dispose(Object.values(ck.optimizer));
const m = createModel('vlm', cfg.model.preset ?? 'tiny', { seed: cfg.seed ?? 0, vocabSize: tok.vocabSize });
m.loadStateDict(Object.fromEntries(Object.entries(ck.model).filter(([k]) => !k.startsWith('plugins.'))));
m.eval();
const probes = [];
for (const seed of [4, 5]) {
  const rows = readFileSync(`/work/seva-bench5/val-A-w1-lr5e-5-b0.3/seed-${seed}/pairs.jsonl`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.prompt === '');
  for (const r of rows) {
    const s = await train.get(Number(r.id.split('-').at(-1)));
    const present = new Set(s.objects.map((o) => `${o.colour} ${o.shape}`));
    const C = objectsOf(r.chosen), R = objectsOf(r.rejected);
    for (const o of R) if (!C.has(o)) probes.push({ image: s.image, q: popeQuestion(o), truth: present.has(o) ? 'yes' : 'no' });
  }
}
let saysYes = 0, right = 0;
for (let i = 0; i < probes.length; i += 64) {
  const chunk = probes.slice(i, i + 64);
  const images = imagesToTensor(chunk.map((p) => p.image), 64);
  const { ids } = await m.generate(images, { prompt: chunk.map((p) => promptIds(tok, p.q)), maxNewTokens: 1, temperature: 0, padId: tok.padId });
  images.dispose();
  ids.forEach((row, j) => { const a = tok.decode([row[0]]).trim() === 'no' ? 'no' : 'yes'; if (a === 'yes') saysYes++; if (a === chunk[j].truth) right++; });
}
console.log(`on the ${probes.length} rejected-only objects the start model says yes ${saysYes} (${(100 * saysYes / probes.length).toFixed(1)}%), right ${right} (${(100 * right / probes.length).toFixed(1)}%)`);
