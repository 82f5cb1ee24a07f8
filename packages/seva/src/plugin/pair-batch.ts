import { tf, type RgbImage, type Sample, type Tokenizer } from '@vlalign/core';
import { promptIds } from '../text/prompt-ids.js';

/** A preference pair as the plugin needs it (core's `preferencePairs` reader yields these fields). */
export interface PairSample extends Sample {
  image: RgbImage;
  prompt: string;
  chosen: string;
  rejected: string;
}

/**
 * Checks that a batch holds preference pairs, naming the sample and field at fault.
 * @throws when a sample lacks `image`, or `prompt` / `chosen` / `rejected` is not a string.
 */
export function checkPairSamples(samples: readonly Sample[]): PairSample[] {
  return samples.map((s) => {
    for (const field of ['prompt', 'chosen', 'rejected'] as const) {
      if (typeof s[field] !== 'string') {
        throw new Error(`seva: sample "${s.id}" has no string "${field}" (got ${s[field] === undefined ? 'nothing' : typeof s[field]}); seva trains on preference pairs { image, prompt, chosen, rejected } such as core's preferencePairs reader yields`);
      }
    }
    if (!s.image) throw new Error(`seva: sample "${s.id}" has no "image"; seva scores both responses on the clean image`);
    return s as PairSample;
  });
}

/** The scored sequences of a batch of pairs: rows `0..B-1` chosen, `B..2B-1` rejected. Dispose the tensors. */
export interface PairBatch {
  /** `[2B, T]` int32 `[BOS, prompt..., response..., EOS, PAD...]`. */
  inputIds: tf.Tensor2D;
  /** `[2B, T]` int32 next-token targets aligned with the logits (`labels[t] = inputIds[t + 1]`, 0 where unused). */
  labels: tf.Tensor2D;
  /** `[2B, T]` float 0/1 valid tokens. */
  attentionMask: tf.Tensor2D;
  /** `[2B, T]` float 0/1: positions whose target is a response token or the closing EOS. */
  responseMask: tf.Tensor2D;
  /** Scored tokens per row (response tokens + EOS, after truncation). */
  responseTokens: number[];
}

/**
 * Tokenises pairs for scoring: each row is `[BOS, prompt, response, EOS]` cut to `maxLength`, and
 * only the response and EOS targets are scored (the prompt is context, as in TRL).
 *
 * @throws when a prompt leaves no room for a response token within `maxLength`.
 */
export function pairBatch(pairs: readonly PairSample[], tokenizer: Tokenizer, maxLength: number): PairBatch {
  const rows: { ids: number[]; promptLength: number }[] = [];
  for (const which of ['chosen', 'rejected'] as const) {
    for (const p of pairs) {
      const prompt = promptIds(tokenizer, p.prompt);
      if (prompt.length >= maxLength) throw new Error(`seva: the prompt of pair "${p.id}" takes ${prompt.length} tokens, leaving no room for the response within maxLength ${maxLength}`);
      rows.push({ ids: [...prompt, ...tokenizer.encode(p[which]), tokenizer.eosId].slice(0, maxLength), promptLength: prompt.length });
    }
  }
  const T = Math.max(...rows.map((r) => r.ids.length));
  const n = rows.length;
  const ids = new Int32Array(n * T).fill(tokenizer.padId);
  const labels = new Int32Array(n * T);
  const attention = new Float32Array(n * T);
  const response = new Float32Array(n * T);
  const responseTokens: number[] = [];
  rows.forEach(({ ids: row, promptLength }, b) => {
    for (let t = 0; t < row.length; t++) {
      ids[b * T + t] = row[t];
      attention[b * T + t] = 1;
      if (t + 1 < row.length) {
        labels[b * T + t] = row[t + 1];
        // Position t predicts token t + 1: score it when that token belongs to the response.
        if (t + 1 >= promptLength) response[b * T + t] = 1;
      }
    }
    responseTokens.push(row.length - promptLength);
  });
  return {
    inputIds: tf.tensor2d(ids, [n, T], 'int32'),
    labels: tf.tensor2d(labels, [n, T], 'int32'),
    attentionMask: tf.tensor2d(attention, [n, T], 'float32'),
    responseMask: tf.tensor2d(response, [n, T], 'float32'),
    responseTokens,
  };
}
