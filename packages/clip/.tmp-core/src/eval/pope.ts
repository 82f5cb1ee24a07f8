import { checkSameLength, checkStrings, metricError } from './checks.js';

/**
 * How free-form answers become yes/no.
 * - `'pope'` (default): the official POPE / LLaVA `eval_pope.py` rule: keep the text before the
 *   first '.', delete commas, split on single spaces; the answer is "no" when a word is exactly
 *   `No`, `no` or `not`, otherwise "yes" (so "I don't know" counts as yes and "NO" as yes). The
 *   answer is trimmed first (LLaVA strips generations before saving them).
 * - `'prefix'`: "yes" when the trimmed answer starts with "yes" (any case), otherwise "no".
 */
export type PopeAnswerParsing = 'pope' | 'prefix';

/** Options of {@link pope}. */
export interface PopeOptions {
  parse?: PopeAnswerParsing;
}

/** Result of {@link pope}; "yes" is the positive class. */
export interface PopeResult {
  accuracy: number;
  /** TP / (TP + FP), 0 when nothing was predicted "yes". */
  precision: number;
  /** TP / (TP + FN), 0 when no label is "yes". */
  recall: number;
  /** 2PR / (P + R), 0 when P + R = 0. */
  f1: number;
  /** Fraction of answers parsed as "yes" (near 0.5 on the balanced POPE splits means no bias). */
  yesRatio: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** The parsed answers. */
  predictions: ('yes' | 'no')[];
}

const METRIC = 'pope';

/** Parses one answer with `mode` (see {@link PopeAnswerParsing}). */
export function parsePopeAnswer(answer: string, mode: PopeAnswerParsing = 'pope'): 'yes' | 'no' {
  const text = answer.trim();
  if (mode === 'prefix') return text.toLowerCase().startsWith('yes') ? 'yes' : 'no';
  const words = text.split('.')[0].replace(/,/g, '').split(' ');
  return words.includes('No') || words.includes('no') || words.includes('not') ? 'no' : 'yes';
}

/**
 * POPE polling-based object-probing metrics (Li et al., EMNLP 2023) for one split:
 * accuracy, precision, recall, F1 (the headline number) and the yes-ratio, with "yes" positive.
 * Ratios with a zero denominator are reported as 0 (the official script would divide by zero).
 *
 * @param answers Model answers to "Is there a {object} in the image?", one per question.
 * @param labels Ground truth per question, 'yes' or 'no' (lower case).
 * @throws on a length mismatch, empty input, a label other than 'yes'/'no' or an unknown parse mode.
 */
export function pope(answers: readonly string[], labels: readonly ('yes' | 'no')[], options: PopeOptions = {}): PopeResult {
  checkStrings(METRIC, 'answers', answers);
  if (!Array.isArray(labels)) metricError(METRIC, "labels must be an array of 'yes' | 'no'");
  checkSameLength(METRIC, 'answers', answers, 'labels', labels);
  const mode = options.parse ?? 'pope';
  if (mode !== 'pope' && mode !== 'prefix') metricError(METRIC, `options.parse must be 'pope' or 'prefix', got ${String(mode)}`);
  labels.forEach((l, i) => {
    if (l !== 'yes' && l !== 'no') metricError(METRIC, `labels[${i}] must be 'yes' or 'no', got ${JSON.stringify(l)}`);
  });
  const predictions = answers.map((a) => parsePopeAnswer(a, mode));
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  predictions.forEach((p, i) => {
    if (p === 'yes') labels[i] === 'yes' ? tp++ : fp++;
    else labels[i] === 'no' ? tn++ : fn++;
  });
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return {
    accuracy: (tp + tn) / answers.length,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    yesRatio: (tp + fp) / answers.length,
    tp,
    fp,
    tn,
    fn,
    predictions,
  };
}
