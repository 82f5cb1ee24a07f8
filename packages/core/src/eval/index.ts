/**
 * Evaluation metrics: plain functions on JS arrays, each checked against an independent Python
 * implementation of its published definition (see `fixtures/make-metric-fixtures.py`).
 */
export { recallAtK } from './recall-at-k.js';
export type { RecallAtKOptions, RecallAtKResult } from './recall-at-k.js';
export { zeroShotAccuracy } from './zero-shot-accuracy.js';
export type { TieRule } from './rank.js';
export type { ScoreMatrix } from './score-matrix.js';
export { tokenizeCaption } from './caption-tokenize.js';
export type { CaptionTokenizer } from './caption-inputs.js';
export { bleu4 } from './bleu.js';
export type { BleuOptions, BleuResult } from './bleu.js';
export { ciderD, CiderDScorer } from './cider-d.js';
export type { CiderDOptions, CiderDResult, CiderDocumentFrequencies } from './cider-d.js';
export { chair } from './chair.js';
export type { ChairOptions, ChairResult, ChairVocabulary } from './chair.js';
export { pope, parsePopeAnswer } from './pope.js';
export type { PopeAnswerParsing, PopeOptions, PopeResult } from './pope.js';
export { pointL1, pointL1Nearest } from './points.js';
export type { RowMask } from './points.js';
export { boxIoU, boxPrecisionAtIoU } from './boxes.js';
export { perplexity, perplexityFromLogProbs } from './perplexity.js';
