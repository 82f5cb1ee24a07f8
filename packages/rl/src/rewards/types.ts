import type { Sample } from '@vlalign/core';

/** One completion handed to a reward function. */
export interface RewardInput {
  /** The decoded completion (special tokens removed). */
  text: string;
  /** The sample (image, references, objects...) the completion was generated for. */
  sample: Sample;
  /** The generated token ids (EOS included when the completion finished). */
  ids?: readonly number[];
  /** False when the completion hit `maxNewTokens` before EOS (TRL's "clipped" completions). */
  finished?: boolean;
}

/**
 * A reward: one finite number per completion, in order (TRL's reward function contract, with the
 * sample in place of the prompt). May be async (a model call).
 *
 * @example
 * const short: RewardFunction = (xs) => xs.map(({ text }) => -text.split(' ').length / 10);
 */
export type RewardFunction = (samples: RewardInput[]) => number[] | Promise<number[]>;

/** A reward with its weight in the total (`sum_k weight_k * reward_k`, TRL's `reward_weights`). */
export interface WeightedReward {
  reward: RewardFunction;
  /** Default 1. */
  weight?: number;
  /** Metric name (`rewards/<name>/mean`); default the function's `name`, else `reward_<index>`. */
  name?: string;
}

/** Rewards of a batch of completions: the weighted total and each component. */
export interface RewardScores {
  /** `sum_k weight_k * r_k` per completion. */
  total: number[];
  /** Each component's raw (unweighted) values, by name, in the order given. */
  components: Record<string, number[]>;
}
