// Where referring localisation loses: compares, on held-out shapes-world images of a trained run,
//  (a) referring boxes ("where is <expression>", last token) against the referent's box;
//  (b) the same expressions without the "where is" words;
//  (c) dense word grounding read as boxes: teacher-forced on the ground-truth caption, the box the
//      point head gives at each object's shape word, against that object's box;
//  (d) the annotation itself: the shape word's trace box (the dense training target) against the
//      object's box — the ceiling of what dense supervision teaches about exact boxes.
// Run from packages/pixelllm after `pnpm build`:
//   node bench/referring-diagnosis.mjs <run-dir> [images=128]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { boxIoU, createModel, createShapesWorld, findLatestCheckpoint, imagesToTensor, initBackend, listModelPresets, loadCheckpoint, shapesTokenizer, tf } from '@vlalign/core';
import { PointHead, denseCaptionRow, disposeRows, encodeRows, loadPixelLlmModules, localizeReferring, pointsToBox, promptedForward } from '../dist/index.js';

const [runDir, n = '128'] = process.argv.slice(2);
if (!runDir) throw new Error('usage: node bench/referring-diagnosis.mjs <run-dir> [images]');
await initBackend('wasm');
const { config } = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
const preset = listModelPresets().find((p) => p.kind === config.model.kind && p.name === config.model.preset);
const merge = (a, b) => (b && typeof b === 'object' && !Array.isArray(b) ? Object.fromEntries([...new Set([...Object.keys(a ?? {}), ...Object.keys(b)])].map((k) => [k, merge(a?.[k], b[k])])) : b ?? a);
const tokenizer = shapesTokenizer();
const model = createModel('vlm', merge(preset.config, config.model.overrides), { vocabSize: tokenizer.vocabSize });
const options = config.plugins.find((p) => p.use === 'pixelllm').options ?? {};
const ckpt = loadCheckpoint(findLatestCheckpoint(runDir));
tf.dispose(Object.values(ckpt.optimizer));
model.loadStateDict(Object.fromEntries(Object.entries(ckpt.model).filter(([k]) => !k.startsWith('plugins.'))));
const { head, promptEncoder } = loadPixelLlmModules(model.config.lm.width, ckpt.model, { head: options.head, promptEncoder: options.promptEncoder });
tf.dispose(Object.values(ckpt.model));
model.eval();
head.eval();
promptEncoder.eval();

const world = createShapesWorld({ ...config.data.eval.shapesWorld, size: Number(n) });
const samples = Array.from({ length: Number(n) }, (_, i) => world.get(i));
const stats = () => ({ ious: [], add(iou) { this.ious.push(iou); }, get p() { return this.ious.filter((v) => v > 0.5).length / this.ious.length; }, get mean() { return this.ious.reduce((a, v) => a + v, 0) / this.ious.length; } });
const ref = stats();
const bare = stats();
const byKind = { attribute: stats(), position: stats() };
const dense = stats();
const trace = stats();
const prompt = options.referringPrompt ?? 'where is';
for (const s of samples) {
  const refs = s.referring ?? [];
  if (refs.length) {
    const imgs = refs.map(() => s.image);
    const a = await localizeReferring(model, head, imgs, refs.map((r) => r.expression), { tokenizer, promptEncoder, prompt });
    const b = await localizeReferring(model, head, imgs, refs.map((r) => r.expression), { tokenizer, promptEncoder, prompt: '' });
    refs.forEach((r, i) => {
      ref.add(boxIoU(a[i], r.box));
      bare.add(boxIoU(b[i], r.box));
      byKind[r.kind]?.add(boxIoU(a[i], r.box));
    });
  }
  // Dense: teacher-force the ground-truth caption, read the shape word of each object.
  const row = denseCaptionRow(s, tokenizer);
  const enc = encodeRows([row], tokenizer, options.maxLength ?? 32);
  const images = imagesToTensor([s.image], model.config.vision.imageSize);
  const points = tf.tidy(() => { const f = promptedForward(model, promptEncoder, images, enc, [row.prompt]); return head.forward(f.hidden, f.visualTokens); });
  const p = (await points.array())[0];
  tf.dispose([points, images]);
  disposeRows(enc);
  const boxes = s.objects.map((o) => o.bboxNorm);
  s.wordTargets.forEach((w, i) => {
    // Word i is token i + 1 (the shapes tokenizer is word-level; BOS first).
    if (w.role !== 'shape' || w.objectIndex === undefined || i + 1 >= p.length) return;
    dense.add(boxIoU(pointsToBox(p[i + 1]), boxes[w.objectIndex]));
    trace.add(boxIoU(w.box, boxes[w.objectIndex]));
  });
}
const f = (x) => `P@0.5 ${x.p.toFixed(3)}  mean IoU ${x.mean.toFixed(3)}  (n=${x.ious.length})`;
console.log(`run ${runDir}, ${n} test images`);
console.log(`(a) referring "${prompt} <expr>"      ${f(ref)}`);
console.log(`    attribute expressions            ${f(byKind.attribute)}`);
console.log(`    position expressions             ${f(byKind.position)}`);
console.log(`(b) referring "<expr>" (no prompt)  ${f(bare)}`);
console.log(`(c) dense shape words -> object box  ${f(dense)}`);
console.log(`(d) trace box of shape words (data)  ${f(trace)}`);
