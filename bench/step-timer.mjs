// Shared by bench/clip-step.mjs and bench/caption-step.mjs: optional @vlalign/native, the timing
// loop (median after warm-up; one profiled step counts kernel calls) and the JSON result line.
import { tf } from '@vlalign/core';

/** With BENCH_NATIVE=1, turns on @vlalign/native and fails loudly if it cannot. */
export async function maybeEnableNative() {
  if (process.env.BENCH_NATIVE !== '1') return undefined;
  const { enableNative } = await import('@vlalign/native');
  const s = await enableNative();
  if (!s.active) throw new Error(`BENCH_NATIVE=1 but @vlalign/native is not active: ${s.reason}`);
  return s;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs `step` (returns the loss) warmup + steps times; returns the result fields. */
export async function timeSteps(step, steps, warmup) {
  let kernels = 0;
  const times = [];
  let firstLoss;
  const tensors = [];
  for (let s = 0; s < warmup + steps; s++) {
    const t0 = performance.now();
    let loss;
    if (s === warmup) {
      const prof = await tf.profile(() => {
        loss = step();
      });
      kernels = prof.kernels.length;
      firstLoss = loss;
    } else loss = step();
    if (s >= warmup) times.push(performance.now() - t0);
    tensors.push(tf.memory().numTensors);
  }
  // The profiled step is slower; drop it from the timing.
  times.shift();
  const backend = tf.backend();
  const heap = backend?.wasm?.HEAPU8?.buffer?.byteLength;
  return {
    median_ms: median(times),
    min_ms: Math.min(...times),
    max_ms: Math.max(...times),
    kernels_per_step: kernels,
    first_loss: firstLoss,
    num_tensors: tf.memory().numTensors,
    tensors_flat: tensors.slice(1).every((n) => n === tensors[1]),
    // The wasm heap never shrinks, so its size is the high-water mark.
    wasm_heap_mb: heap ? heap / 2 ** 20 : undefined,
    max_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
}
