// Draws a trained PixelLLM run's dense word localisation on held-out shapes-world images with the
// package's own helpers (localizeWords -> drawWordPoints -> makeGrid), and its referring boxes.
// Run from packages/pixelllm after `pnpm build`:
//   node bench/visualise-run.mjs <run-dir> <out.png> [images=8]
// The run must be a `vlalign train` run of a VLM with the pixelllm plugin (examples/pixelllm.yaml);
// its config.json gives the model (preset + overrides), the data and the plugin options.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModel, createShapesWorld, findLatestCheckpoint, initBackend, listModelPresets, loadCheckpoint, shapesTokenizer, tf } from '@vlalign/core';
import { LocationPromptEncoder, PointHead, drawWordPoints, localizeReferring, localizeWords, makeGrid } from '../dist/index.js';

const [runDir, out, n = '8'] = process.argv.slice(2);
if (!runDir || !out) throw new Error('usage: node bench/visualise-run.mjs <run-dir> <out.png> [images]');
await initBackend('wasm');
const { config } = JSON.parse((await import('node:fs')).readFileSync(join(runDir, 'config.json'), 'utf8'));
const preset = listModelPresets().find((p) => p.kind === config.model.kind && p.name === config.model.preset);
const merge = (a, b) => (b && typeof b === 'object' && !Array.isArray(b) ? Object.fromEntries([...new Set([...Object.keys(a ?? {}), ...Object.keys(b)])].map((k) => [k, merge(a?.[k], b[k])])) : b ?? a);
const tokenizer = shapesTokenizer();
const model = createModel('vlm', merge(preset.config, config.model.overrides), { vocabSize: tokenizer.vocabSize });
const options = config.plugins.find((p) => p.use === 'pixelllm').options ?? {};
const width = model.config.lm.width;
const head = new PointHead(width, options.head);
const promptEncoder = new LocationPromptEncoder(width, options.promptEncoder);
const ckpt = loadCheckpoint(findLatestCheckpoint(runDir));
tf.dispose(Object.values(ckpt.optimizer));
const pick = (prefix) => Object.fromEntries(Object.entries(ckpt.model).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
model.loadStateDict(Object.fromEntries(Object.entries(ckpt.model).filter(([k]) => !k.startsWith('plugins.'))));
head.loadStateDict(pick('plugins.pixelllm.point_head.'));
promptEncoder.loadStateDict(pick('plugins.pixelllm.prompt_encoder.'));
tf.dispose(Object.values(ckpt.model));

const ev = config.data.eval.shapesWorld;
const world = createShapesWorld({ ...ev, size: Math.max(Number(n), 8) });
const tiles = [];
for (let i = 0; i < Number(n); i++) {
  const s = world.get(i);
  const loc = await localizeWords(model, head, s.image, tokenizer, { promptEncoder });
  tiles.push(await drawWordPoints(s.image, loc.words.map((w) => w.word), loc.words.map((w) => w.points), { scale: 4 }));
  const ref = s.referring[0];
  if (ref) {
    const [box] = await localizeReferring(model, head, [s.image], [ref.expression], { tokenizer, promptEncoder, prompt: options.referringPrompt ?? 'where is' });
    const corners = (b) => [[b[0], b[1]], [b[2], b[3]]];
    tiles.push(await drawWordPoints(s.image, [`${ref.expression}?`, 'truth'], [corners(box), corners(ref.box)], { scale: 4 }));
  }
  console.log(i, JSON.stringify(loc.caption), '|', JSON.stringify(s.captions[0]));
}
writeFileSync(out, await makeGrid(tiles, { columns: 4 }));
console.log('wrote', out);
