// One backend's tiny-CLIP training step (the `clip-bench` preset + clip's InfoNCE + core's AdamW).
// Run by bench/run.mjs in a child process per backend: node bench/clip-step.mjs <backend> <steps> <warmup>
// Prints one JSON line: { backend, median_ms, min_ms, max_ms, params, kernels_per_step, num_tensors }.
import { AdamW, createModel, initBackend, tf } from '@vlalign/core';
import { clipLoss } from '@vlalign/clip';

const [backendName = 'wasm', stepsArg = '20', warmupArg = '5'] = process.argv.slice(2);
const steps = Number(stepsArg);
const warmup = Number(warmupArg);
const info = await initBackend(backendName);
const model = createModel('dual-encoder', 'clip-bench', { seed: 1 });
const logitScale = tf.variable(tf.scalar(Math.log(1 / 0.07)));
const params = model.parameterCount() + 1;
const batch = 32;
const images = tf.randomUniform([batch, 32, 32, 3], -1, 1, 'float32', 7);
const ids = tf.randomUniform([batch, 16], 0, 512, 'int32', 8);
const lengths = new Array(batch).fill(16);
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
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

let kernels = 0;
const times = [];
let firstLoss;
for (let s = 0; s < warmup + steps; s++) {
  const t0 = performance.now();
  let loss;
  if (s === warmup) {
    const prof = await tf.profile(() => {
      loss = step();
    });
    kernels = prof.kernels.length;
  } else loss = step();
  if (s === warmup) firstLoss = loss;
  if (s >= warmup) times.push(performance.now() - t0);
}
// The profiled step is slower; drop it from the timing.
times.shift();
times.sort((a, b) => a - b);
const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
console.log(JSON.stringify({ backend: info.name, simd: info.simd, median_ms: median, min_ms: times[0], max_ms: times[times.length - 1], params, kernels_per_step: kernels, first_loss: firstLoss, num_tensors: tf.memory().numTensors }));
