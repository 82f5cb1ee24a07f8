// One backend's captioning training step: the tiny VLM preset (ViT 64x64/8 -> 64 visual tokens,
// width 64, 2+2 layers, projector MLP, causal LM with vocabulary 512) with core's captioning loss
// (masked mean next-token cross-entropy, as the `captioning` plugin computes it) and AdamW.
// node bench/caption-step.mjs <backend> <steps> <warmup>; BENCH_NATIVE=1 / VLALIGN_FUSED=0 as in clip-step.mjs.
// Batch 16 images with 32-token captions (BOS..EOS, lengths 20-32, padded), fixed across steps.
import { AdamW, fusedOpsEnabled, IGNORE_INDEX, createModel, initBackend, maskedMeanCrossEntropy, tf } from '@vlalign/core';
import { maybeEnableNative, timeSteps } from './step-timer.mjs';

const [backendName = 'wasm', stepsArg = '20', warmupArg = '5'] = process.argv.slice(2);
const info = await initBackend(backendName);
const native = await maybeEnableNative();
const model = createModel('vlm', 'tiny', { seed: 1 });
const params = model.parameterCount();
const batch = 16;
const T = 32;
const images = tf.randomUniform([batch, 64, 64, 3], -1, 1, 'float32', 7);
// The same layout captionBatch builds: [BOS, tokens..., EOS, PAD...], labels shifted by one, -100 past EOS.
const inputIds = new Int32Array(batch * T);
const labels = new Int32Array(batch * T).fill(IGNORE_INDEX);
const mask = new Float32Array(batch * T);
let r = 12345;
for (let b = 0; b < batch; b++) {
  const len = 20 + (b % 13);
  for (let t = 0; t < len; t++) {
    r = (Math.imul(r, 1664525) + 1013904223) >>> 0;
    inputIds[b * T + t] = t === 0 ? 1 : t === len - 1 ? 2 : 4 + (r % 508);
    mask[b * T + t] = 1;
  }
  for (let t = 0; t < len - 1; t++) labels[b * T + t] = inputIds[b * T + t + 1];
}
const ids = tf.tensor2d(inputIds, [batch, T], 'int32');
const lab = tf.tensor2d(labels, [batch, T], 'int32');
const attentionMask = tf.tensor2d(mask, [batch, T], 'float32');
const opt = new AdamW({ weightDecay: 0.01 });
const vars = model.trainableParameters();

function step() {
  const { value, grads } = tf.variableGrads(() => maskedMeanCrossEntropy(model.forward({ images, inputIds: ids, attentionMask }).logits, lab), vars);
  opt.step(grads, 1e-3);
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

const result = await timeSteps(step, Number(stepsArg), Number(warmupArg));
console.log(JSON.stringify({ backend: info.name, simd: info.simd, gemm_threads: info.gemm?.active && fusedOpsEnabled() ? info.gemm.threads : 0, native: native ? `${native.gemm}${native.blasCore ? `/${native.blasCore}` : ''}` : undefined, params, ...result }));
