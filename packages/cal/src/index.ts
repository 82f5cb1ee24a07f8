/**
 * @vlalign/cal — Contrastive ALignment (CAL): weight each caption token by how much the image
 * raises its logit, and train with the weighted cross-entropy.
 */
export { calTokenWeights, type CalTokenWeightOptions } from './token-weights.js';
export { calLoss, type CalLossOptions } from './cal-loss.js';
export { cal } from './plugin/cal-plugin.js';
export { resolveCalOptions, type CalOptions, type ResolvedCalOptions } from './plugin/cal-options.js';
