// One backend's tiny-CLIP training step (the `clip-bench` preset + clip's InfoNCE + core's AdamW).
// Run by bench/run.mjs in a child process per backend: node bench/clip-step.mjs <backend> <steps> <warmup>
// BENCH_NATIVE=1 turns on @vlalign/native; VLALIGN_FUSED=0 runs the plain (unfused) ops.
// Prints one JSON line: { backend, median_ms, min_ms, max_ms, params, kernels_per_step, num_tensors, wasm_heap_mb, max_rss_mb, ... }.
import { AdamW, fusedOpsEnabled, createModel, initBackend, tf } from '@vlalign/core';
import { clipLoss } from '@vlalign/clip';
import { maybeEnableNative, timeSteps } from './step-timer.mjs';

const [backendName = 'wasm', stepsArg = '20', warmupArg = '5'] = process.argv.slice(2);
const info = await initBackend(backendName);
const native = await maybeEnableNative();
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

const result = await timeSteps(step, Number(stepsArg), Number(warmupArg));
console.log(JSON.stringify({ backend: info.name, simd: info.simd, gemm_threads: info.gemm?.active && fusedOpsEnabled() ? info.gemm.threads : 0, native: native ? `${native.gemm}${native.blasCore ? `/${native.blasCore}` : ''}` : undefined, params, ...result }));
