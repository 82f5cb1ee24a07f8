/** Reward statistics TRL's GRPOTrainer logs, from one batch of grouped rewards. */
export interface GroupRewardStats {
  /** Mean reward over all completions (`reward`). */
  mean: number;
  /** Mean over groups of the within-group sample std (`reward_std`); 0 when groups have one member. */
  meanGroupStd: number;
  /** Fraction of groups whose rewards are all equal, std ~ 0 (`frac_reward_zero_std`). */
  fracZeroStd: number;
}

/** Sample (n - 1) standard deviation; 0 for fewer than two values. */
export function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

/**
 * Statistics of rewards laid out in contiguous groups of `groupSize` (one group per image).
 * A group's std counts as zero below 1e-8 (TRL uses `torch.isclose(std, 0)`).
 */
export function groupRewardStats(rewards: readonly number[], groupSize: number): GroupRewardStats {
  if (rewards.length === 0 || rewards.length % groupSize !== 0) throw new Error(`groupRewardStats: ${rewards.length} rewards do not split into groups of ${groupSize}`);
  const stds: number[] = [];
  for (let g = 0; g < rewards.length; g += groupSize) stds.push(sampleStd(rewards.slice(g, g + groupSize)));
  return {
    mean: rewards.reduce((a, b) => a + b, 0) / rewards.length,
    meanGroupStd: stds.reduce((a, b) => a + b, 0) / stds.length,
    fracZeroStd: stds.filter((s) => s < 1e-8).length / stds.length,
  };
}
