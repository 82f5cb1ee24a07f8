/**
 * @vlalign/rl — reinforcement learning for captioners and vision-language models: self-critical
 * sequence training (SCST) and group-relative policy optimisation (GRPO).
 */
export { scstLoss } from './scst-loss.js';
export { leaveOneOutBaseline } from './leave-one-out.js';
export { grpoAdvantages, type GrpoAdvantageOptions } from './grpo-advantages.js';
export { grpoLoss, type GrpoLossOptions, type GrpoLossOutput } from './grpo-loss.js';
