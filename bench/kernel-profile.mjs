// Per-kernel breakdown of one tiny-CLIP training step (same step as bench/clip-step.mjs).
// node bench/kernel-profile.mjs [backend] — prints kernel name, calls and ms, sorted by time.
// VLALIGN_FUSED=0 profiles the plain (unfused) composition; BENCH_NATIVE=1 turns on @vlalign/native.
import { AdamW, createModel, initBackend, tf } from '@vlalign/core';
import { clipLoss } from '@vlalign/clip';
import { maybeEnableNative } from './step-timer.mjs';

const [backendName = 'wasm'] = process.argv.slice(2);
await initBackend(backendName);
await maybeEnableNative();
const model = createModel('dual-encoder', 'clip-bench', { seed: 1 });
const logitScale = tf.variable(tf.scalar(Math.log(1 / 0.07)));
const images = tf.randomUniform([32, 32, 32, 3], -1, 1, 'float32', 7);
const ids = tf.randomUniform([32, 16], 0, 512, 'int32', 8);
const lengths = new Array(32).fill(16);
const opt = new AdamW({ weightDecay: 0.01 });
const vars = [...model.trainableParameters(), logitScale];
function step() {
  const { value, grads } = tf.variableGrads(() => {
    const normalise = (x) => tf.div(x, tf.norm(x, 'euclidean', -1, true));
    const i = normalise(model.encodeImage(images));
    const t = normalise(model.encodeText(ids, lengths));
    return clipLoss(i, t, tf.exp(tf.minimum(logitScale, Math.log(100))));
  }, vars);
  opt.step(grads, 1e-3);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
}
for (let s = 0; s < 3; s++) step();
const prof = await tf.profile(() => step());
const by = new Map();
for (const k of prof.kernels) {
  const e = by.get(k.name) ?? { calls: 0, ms: 0 };
  e.calls++;
  e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  by.set(k.name, e);
}
const rows = [...by.entries()].sort((a, b) => b[1].ms - a[1].ms);
for (const [n, e] of rows) console.log(n.padEnd(28), String(e.calls).padStart(5), e.ms.toFixed(2).padStart(9));
console.log('total kernels', prof.kernels.length);
