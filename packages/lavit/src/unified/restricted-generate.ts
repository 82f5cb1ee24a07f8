import { createRng, pickToken, tf, type CausalLM, type SamplingOptions } from '@vlalign/core';

/** Options of {@link restrictedGenerate}. */
export interface RestrictedGenerateOptions extends SamplingOptions {
  /** `allowed[id] = 1` for ids that may be generated (length = vocabulary size). */
  allowed: Uint8Array;
  /** Most new tokens per row. */
  maxNewTokens: number;
  /** Ids that end a row (included in its output). They need not be in `allowed`: stops always are. */
  stopTokens?: number[];
  /** Stop tokens are suppressed until this many tokens were generated. Default 0. */
  minNewTokens?: number;
  /** Seed of the sampling stream (ignored when greedy). Default 0. */
  seed?: number;
  /** Left-padding id (masked out). Default 0. */
  padId?: number;
}

/**
 * Autoregressive decoding from a `CausalLM` where only some ids may be emitted — how LaVIT
 * decodes a unified vocabulary: captions suppress the visual ids, text-to-image suppresses text.
 * Left-pads prompts of different lengths (masked, positions per row) and uses a KV cache.
 * Returns the new ids per row (a stop id, when hit, is the last one). Disposes every tensor.
 */
export async function restrictedGenerate(lm: CausalLM, prompts: number[][], options: RestrictedGenerateOptions): Promise<number[][]> {
  const { vocabSize, maxLength } = lm.config;
  if (options.allowed.length !== vocabSize) throw new Error(`restrictedGenerate: allowed has ${options.allowed.length} entries, the LM vocabulary ${vocabSize}`);
  if (prompts.length === 0 || prompts.some((p) => p.length === 0)) throw new Error('restrictedGenerate: every prompt needs at least one token');
  const b = prompts.length;
  const padId = options.padId ?? 0;
  const stop = new Set(options.stopTokens ?? []);
  const minNew = options.minNewTokens ?? 0;
  const width = Math.max(...prompts.map((p) => p.length));
  if (width > maxLength) throw new Error(`restrictedGenerate: a prompt of ${width} tokens exceeds maxLength ${maxLength}`);
  const steps = Math.min(options.maxNewTokens, maxLength - width + 1);
  const random = createRng(options.seed ?? 0);
  const out: number[][] = prompts.map(() => []);
  const done = new Array<boolean>(b).fill(false);
  const cache = lm.createCache();
  const wasTraining = lm.training;
  lm.eval();
  try {
    const ids = new Int32Array(b * width).fill(padId);
    const mask = new Float32Array(b * width);
    const pos = new Int32Array(b * width);
    prompts.forEach((p, r) => {
      const pad = width - p.length;
      for (let j = 0; j < width; j++) {
        if (j >= pad) {
          ids[r * width + j] = p[j - pad];
          mask[r * width + j] = 1;
          pos[r * width + j] = j - pad;
        }
      }
    });
    let logits = tf.tidy(() =>
      lm.forward(tf.tensor2d(ids, [b, width], 'int32'), {
        attentionMask: tf.tensor2d(mask, [b, width]),
        positionIds: tf.tensor2d(pos, [b, width], 'int32'),
        kvCache: cache,
        outputStart: -1,
      }).logits,
    );
    for (let step = 0; step < steps; step++) {
      const values = (await logits.data()) as Float32Array;
      logits.dispose();
      const next = new Int32Array(b).fill(padId);
      for (let r = 0; r < b; r++) {
        if (done[r]) continue;
        const row = Float32Array.from(values.subarray(r * vocabSize, (r + 1) * vocabSize));
        for (let v = 0; v < vocabSize; v++) {
          const isStop = stop.has(v);
          if ((!options.allowed[v] && !isStop) || (isStop && step < minNew)) row[v] = -Infinity;
        }
        const token = pickToken(row, options, random);
        out[r].push(token);
        next[r] = token;
        if (stop.has(token)) done[r] = true;
      }
      if (done.every(Boolean) || step === steps - 1) break;
      const nextPos = Int32Array.from(prompts.map((p) => p.length + step));
      logits = tf.tidy(() => lm.forward(tf.tensor2d(next, [b, 1], 'int32'), { positionIds: tf.tensor2d(nextPos, [b, 1], 'int32'), kvCache: cache }).logits);
    }
  } finally {
    cache.dispose();
    lm.train(wasTraining);
  }
  return out;
}
