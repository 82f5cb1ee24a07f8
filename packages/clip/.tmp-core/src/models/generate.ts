import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '../nn/seed.js';
import type { CausalLM } from './causal-lm.js';
import { logSoftmaxAt, pickToken, type SamplingOptions } from './sampling.js';

/** Options of `generate` on {@link CausalLM} and `VisionLanguageModel`. */
export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to generate per row (fewer if the model's `maxLength` is reached first). */
  maxNewTokens: number;
  /** Token ids that end a row (included in its output). Default none. */
  stopTokens?: number[];
  /** Seed of the sampling stream (ignored when greedy). Default 0. */
  seed?: number;
  /** Also return each generated token's log-probability under the model (temperature 1, unfiltered). */
  returnLogProbs?: boolean;
  /** Id fed after a row has stopped and used for left padding; it is masked out. Default 0. */
  padId?: number;
}

/** What `generate` returns. */
export interface GenerateResult {
  /** Generated token ids per row (without the prompt). */
  ids: number[][];
  /**
   * `log p(token | context)` of each generated token under the model's full distribution
   * (`log_softmax(logits)`, no temperature or filtering): the quantity a training forward pass recomputes.
   */
  logProbs?: number[][];
}

/** Prefix inputs for {@link generateTokens} (used by the vision-language model). */
export interface GeneratePrefix {
  /** `[B, P, width]` embeddings placed before every prompt. */
  embeddings: tf.Tensor3D;
  /** Leading prefix positions that are visual tokens (marked in the `visualMask` context). */
  visualTokens: number;
}

/**
 * Autoregressive decoding with a KV cache. Prompts of different lengths are left-padded, with the
 * padding masked and positions counted per row, so each row decodes exactly as it would alone.
 * Every tensor is released before the promise resolves.
 */
export async function generateTokens(lm: CausalLM, prompts: number[][], options: GenerateOptions, prefix?: GeneratePrefix): Promise<GenerateResult> {
  const { vocabSize, maxLength } = lm.config;
  const b = prompts.length;
  if (b === 0) throw new Error('generate: prompts is empty');
  if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 1) throw new Error(`generate: maxNewTokens must be a positive integer, got ${options.maxNewTokens}`);
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new Error(`generate: prompts[${i}] is empty; start each prompt with at least the BOS token`);
    p.forEach((id) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new Error(`generate: prompts[${i}] has token id ${id} outside [0, ${vocabSize})`);
    });
  });
  if (prefix && prefix.embeddings.shape[0] !== b) throw new Error(`generate: ${prefix.embeddings.shape[0]} prefix rows for ${b} prompts`);
  const padId = options.padId ?? 0;
  const stop = new Set(options.stopTokens ?? []);
  const p = prefix ? prefix.embeddings.shape[1] : 0;
  const width = Math.max(...prompts.map((q) => q.length));
  const first = p + width;
  if (first > maxLength) throw new Error(`generate: prefix (${p}) + longest prompt (${width}) exceed the model's maxLength ${maxLength}`);
  const steps = Math.min(options.maxNewTokens, maxLength - first + 1);
  const random = createRng(options.seed ?? 0);

  const ids: number[][] = prompts.map(() => []);
  const logProbs: number[][] = prompts.map(() => []);
  const done = new Array<boolean>(b).fill(false);
  const nextPos = prompts.map((q) => p + q.length);
  const cache = lm.createCache();
  const wasTraining = lm.training;
  lm.eval();
  try {
    // Prefill: [prefix][pads][prompt] per row.
    const idsArr = new Int32Array(b * width).fill(padId);
    const maskArr = new Float32Array(b * first).fill(1);
    const posArr = new Int32Array(b * first);
    for (let r = 0; r < b; r++) {
      const pad = width - prompts[r].length;
      for (let j = 0; j < p; j++) posArr[r * first + j] = j;
      for (let j = 0; j < width; j++) {
        const at = r * first + p + j;
        if (j < pad) {
          maskArr[at] = 0;
          posArr[at] = p;
        } else {
          idsArr[r * width + j] = prompts[r][j - pad];
          posArr[at] = p + j - pad;
        }
      }
    }
    let logits = tf.tidy(() => {
      const visual = prefix && prefix.visualTokens > 0 ? visualMaskFor(b, first, prefix.visualTokens) : undefined;
      return lm.forward(tf.tensor2d(idsArr, [b, width], 'int32'), {
        prefix: prefix?.embeddings,
        attentionMask: tf.tensor2d(maskArr, [b, first]),
        positionIds: tf.tensor2d(posArr, [b, first], 'int32'),
        visualMask: visual,
        kvCache: cache,
        outputStart: -1,
      }).logits;
    });
    for (let step = 0; step < steps; step++) {
      const values = (await logits.data()) as Float32Array;
      logits.dispose();
      const next = new Int32Array(b).fill(padId);
      for (let r = 0; r < b; r++) {
        if (done[r]) continue;
        const row = values.subarray(r * vocabSize, (r + 1) * vocabSize);
        const token = pickToken(row, options, random);
        ids[r].push(token);
        if (options.returnLogProbs) logProbs[r].push(logSoftmaxAt(row, token));
        next[r] = token;
        if (stop.has(token)) done[r] = true;
      }
      if (done.every(Boolean) || step === steps - 1) break;
      const pos = Int32Array.from(nextPos.map((q) => q + step));
      logits = tf.tidy(() =>
        lm.forward(tf.tensor2d(next, [b, 1], 'int32'), {
          positionIds: tf.tensor2d(pos, [b, 1], 'int32'),
          visualMask: prefix && prefix.visualTokens > 0 ? tf.zeros([b, 1]) : undefined,
          kvCache: cache,
        }).logits,
      );
    }
  } finally {
    cache.dispose();
    lm.train(wasTraining);
  }
  return options.returnLogProbs ? { ids, logProbs } : { ids };
}

function visualMaskFor(b: number, len: number, visual: number): tf.Tensor2D {
  const m = new Float32Array(b * len);
  for (let r = 0; r < b; r++) m.fill(1, r * len, r * len + visual);
  return tf.tensor2d(m, [b, len]);
}
