/** How {@link pickToken} chooses among the logits of one position. */
export interface SamplingOptions {
  /** 0 (default) is greedy (argmax); > 0 samples from `softmax(logits / temperature)`. */
  temperature?: number;
  /** Sample only among the `topK` most likely tokens (0 or undefined: no limit). */
  topK?: number;
  /** Nucleus sampling: the smallest set of most likely tokens whose probability reaches `topP` (1: no limit). */
  topP?: number;
}

/** `log softmax(logits)[index]`, computed stably in float64. */
export function logSoftmaxAt(logits: ArrayLike<number>, index: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return logits[index] - max - Math.log(sum);
}

/**
 * Chooses a token id from one row of logits: greedy argmax when `temperature` is 0, otherwise a
 * seeded draw (`random` in [0, 1)) after temperature scaling, top-k and top-p filtering.
 */
export function pickToken(logits: ArrayLike<number>, options: SamplingOptions, random: () => number): number {
  const temperature = options.temperature ?? 0;
  const n = logits.length;
  if (!(temperature > 0)) {
    let best = 0;
    for (let i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[b] - logits[a]);
  let keep = options.topK && options.topK > 0 ? Math.min(options.topK, n) : n;
  const max = logits[order[0]];
  const weights = order.slice(0, keep).map((i) => Math.exp((logits[i] - max) / temperature));
  const total = weights.reduce((s, w) => s + w, 0);
  const topP = options.topP ?? 1;
  if (topP < 1) {
    let cum = 0;
    for (let j = 0; j < keep; j++) {
      cum += weights[j] / total;
      if (cum >= topP) {
        keep = j + 1;
        break;
      }
    }
  }
  const kept = weights.slice(0, keep);
  const keptTotal = kept.reduce((s, w) => s + w, 0);
  let r = random() * keptTotal;
  for (let j = 0; j < keep; j++) {
    r -= kept[j];
    if (r < 0) return order[j];
  }
  return order[keep - 1];
}
