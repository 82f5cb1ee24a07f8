// Dumps a shapes-world split for the PyTorch diagnosis scripts beside this file: <out>.img (uint8
// [N,64,64,3]), <out>.cap (int32 [N,3,32] token ids of the 3 captions, BOS/EOS, 0-padded), <out>.json
// (single-object labels "<colour> <shape>", the zero-shot prompts tokenised, vocab size).
// Run from packages/cli (it resolves @vlalign/core): node ../clip/bench/shape-diagnosis/dump-shapes.mjs train 20000 /tmp/shapes/train
// MAXOBJ=2 caps objects per scene.
import { createShapesWorld, shapesTokenizer } from '@vlalign/core';
import { writeFileSync } from 'node:fs';
const [split, size, out] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const w = createShapesWorld({ seed: 1, size, split, imageSize: 64, maxObjects: Number(process.env.MAXOBJ ?? 4) });
const tok = shapesTokenizer();
const imgs = new Uint8Array(size * 64 * 64 * 3);
const L = 32; const caps = new Int32Array(size * 3 * L);
const labels = [];
for (let i = 0; i < size; i++) {
  const s = w.get(i); imgs.set(s.image.data, i * 64 * 64 * 3);
  s.captions.forEach((c, j) => { const ids = [tok.bosId, ...tok.encode(c).slice(0, L - 2), tok.eosId]; ids.forEach((id, k) => caps[(i * 3 + j) * L + k] = id); });
  labels.push(s.objects.length === 1 ? `${s.objects[0].colour} ${s.objects[0].shape}` : null);
}
writeFileSync(out + '.img', imgs); writeFileSync(out + '.cap', Buffer.from(caps.buffer));
const classes = [...new Set(labels.filter(Boolean))].sort();
const prompts = {};
for (const c of classes) prompts[c] = ['a {}', 'a photo of a {}', 'an image of a {}'].map((t) => { const ids = [tok.bosId, ...tok.encode(t.replace('{}', c)), tok.eosId]; return ids; });
writeFileSync(out + '.json', JSON.stringify({ labels, classes, prompts, vocab: tok.vocabSize, pad: tok.padId, sample: w.get(0).captions }));
