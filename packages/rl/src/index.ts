/**
 * @vlalign/rl — reinforcement learning for captioners and vision-language models: self-critical
 * sequence training (SCST) and group-relative policy optimisation (GRPO) as a trainer plugin, with
 * rollouts, composable rewards and the pure losses.
 */
export { rl, REFERENCE_MODULE } from './plugin/rl-plugin.js';
export { rlOptionsSchema, resolveRlOptions, type RlOptions, type ResolvedRlOptions } from './plugin/rl-options.js';
export { groupRewardStats, sampleStd, type GroupRewardStats } from './plugin/group-stats.js';
export { k3Kl } from './plugin/k3-kl.js';
export { frozenCopy } from './plugin/reference-model.js';

export { sampleCompletions, greedyCaptions, type SampleCompletionsOptions } from './rollouts/sample-completions.js';
export { completionBatch, completionLogProbs, type CompletionBatch } from './rollouts/completion-batch.js';
export type { Completion, GenerativeVlm } from './rollouts/types.js';

export type { RewardFunction, RewardInput, RewardScores, WeightedReward } from './rewards/types.js';
export { combineRewards, type CombinedReward } from './rewards/combine-rewards.js';
export { ciderReward, type CiderRewardOptions } from './rewards/cider-reward.js';
export { clipScoreReward, type ClipScoreRewardOptions, type ClipScoreEncoder } from './rewards/clip-score-reward.js';
export { objectPrecisionReward, objectRecallReward, type ObjectRewardOptions } from './rewards/object-rewards.js';
export { lengthPenalty, type LengthPenaltyOptions } from './rewards/length-penalty.js';
export { resolveRewardSpecs, type RewardSpec, type RewardSpecContext } from './rewards/reward-specs.js';
export { referenceCorpus, sampleReferences } from './rewards/references.js';
export { loadDualEncoderRun } from './rewards/load-weights.js';

export { evaluateCaptions, type EvaluateCaptionsOptions, type CaptionEvalResult } from './eval/evaluate-captions.js';

export { scstLoss } from './scst-loss.js';
export { leaveOneOutBaseline } from './leave-one-out.js';
export { grpoAdvantages, type GrpoAdvantageOptions } from './grpo-advantages.js';
export { grpoLoss, type GrpoLossOptions, type GrpoLossOutput } from './grpo-loss.js';
