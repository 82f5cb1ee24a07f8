import type { RewardFunction, RewardInput, RewardScores, WeightedReward } from './types.js';

/** A combined reward: call it to score completions (see {@link combineRewards}). */
export interface CombinedReward {
  (samples: RewardInput[]): Promise<RewardScores>;
  /** Component names, in order. */
  readonly names: readonly string[];
}

/**
 * Combines rewards as TRL's `sum_then_normalize`: each function scores every completion, then
 * `total_i = sum_k weight_k * r_k(i)`. Each component is checked: one finite number per
 * completion, with an error naming the reward and the bad entry otherwise.
 *
 * @param rewards `{ reward, weight = 1, name? }[]`, or bare functions (weight 1).
 * @throws on an empty list, a non-finite weight or two components with the same name.
 */
export function combineRewards(rewards: readonly (WeightedReward | RewardFunction)[]): CombinedReward {
  if (!Array.isArray(rewards) || rewards.length === 0) throw new Error('combineRewards: give at least one reward ({ reward, weight })');
  const parts = rewards.map((r, i) => {
    const entry: WeightedReward = typeof r === 'function' ? { reward: r } : r;
    if (!entry || typeof entry.reward !== 'function') throw new Error(`combineRewards: rewards[${i}].reward must be a function (samples) => number[]`);
    const weight = entry.weight ?? 1;
    if (!Number.isFinite(weight)) throw new Error(`combineRewards: rewards[${i}].weight must be a finite number; got ${weight}`);
    const name = entry.name ?? (entry.reward.name && entry.reward.name !== 'anonymous' ? entry.reward.name : `reward_${i}`);
    return { reward: entry.reward, weight, name };
  });
  const names = parts.map((p) => p.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`combineRewards: two rewards are named "${dup}"; give each a distinct name`);
  const combined = async (samples: RewardInput[]): Promise<RewardScores> => {
    const total = new Array<number>(samples.length).fill(0);
    const components: Record<string, number[]> = {};
    for (const p of parts) {
      const values = await p.reward(samples);
      if (!Array.isArray(values) || values.length !== samples.length) {
        throw new Error(`reward "${p.name}" returned ${Array.isArray(values) ? `${values.length} values` : typeof values} for ${samples.length} completions; expected one number per completion`);
      }
      values.forEach((v, i) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`reward "${p.name}" returned ${String(v)} for completion ${i} ("${samples[i].text}"); rewards must be finite numbers`);
        total[i] += p.weight * v;
      });
      components[p.name] = values;
    }
    return { total, components };
  };
  return Object.assign(combined, { names });
}
