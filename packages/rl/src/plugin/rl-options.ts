import { z } from 'zod';
import type { RewardFunction, WeightedReward } from '../rewards/types.js';
import type { RewardSpec } from '../rewards/reward-specs.js';

const positiveInt = z.number().int().positive();
const isFunction = (v: unknown): v is RewardFunction => typeof v === 'function';

const rewardEntry = z.union([
  z.custom<RewardFunction>(isFunction, { message: 'a reward function' }),
  z.looseObject({ reward: z.custom<RewardFunction>(isFunction, { message: 'reward must be a function (samples) => number[]' }), weight: z.number().optional(), name: z.string().optional() }),
  z.looseObject({
    type: z.enum(['cider-d', 'clip-score', 'object-precision', 'object-recall', 'length-penalty', 'module']),
    weight: z.number().optional(),
    name: z.string().optional(),
  }),
]);

/**
 * Schema of {@link RlOptions}. Exported so configuration front-ends validate options before a run
 * starts (`z.toJSONSchema(rlOptionsSchema)` for documentation; reward functions are not JSON).
 */
export const rlOptionsSchema = z
  .strictObject({
    algorithm: z.enum(['scst', 'grpo']).default('scst').describe("'scst': REINFORCE with a self-critical baseline; 'grpo': TRL's clipped group-relative objective."),
    rewards: z
      .array(rewardEntry)
      .min(1)
      .describe('Reward functions with weights: { reward: fn, weight } or config specs ({ type: cider-d | clip-score | object-precision | object-recall | length-penalty | module, weight, ... }).'),
    numGenerations: positiveInt.optional().describe('Completions sampled per image. Default 5 for scst (self-critical.pytorch seq_per_img), 8 for grpo (TRL).'),
    temperature: z.number().positive().default(1),
    topK: z.number().int().nonnegative().default(0).describe('0: no top-k filter.'),
    topP: z.number().gt(0).lte(1).default(1),
    maxNewTokens: positiveInt.default(24).describe('Most tokens per completion, EOS included.'),
    baseline: z.enum(['greedy', 'mean-of-others']).default('greedy').describe("SCST baseline: the greedy caption's reward (Rennie et al.) or the mean reward of the image's other samples (new self-critical / RLOO)."),
    epsilon: z.number().gt(0).lt(1).default(0.2).describe('GRPO ratio clipping range.'),
    beta: z.number().nonnegative().optional().describe('Weight of the k3 KL penalty to the frozen reference model. Default 0.04 for grpo (TRL <= 0.18), 0 for scst.'),
    scaleRewards: z.boolean().default(true).describe("GRPO: divide by the group's std (false: Dr. GRPO)."),
    aggregation: z.enum(['sequence', 'token']).default('sequence').describe("GRPO: per-sequence token mean then mean ('grpo'), or one mean over all tokens ('bnpo')."),
    reference: z.union([z.boolean(), z.literal('auto')]).default('auto').describe("Keep a frozen copy of the starting model for the KL term and the kl metric. 'auto': when beta > 0."),
    rolloutBatchSize: positiveInt.optional().describe('Rows decoded together during rollouts. Default: the whole batch.'),
    zeroStdPatience: positiveInt.default(3).describe('Warn after this many consecutive steps where no completion has a non-zero advantage (frac_reward_zero_std = 1).'),
    eval: z
      .strictObject({
        maxSamples: positiveInt.default(200),
        batchSize: positiveInt.default(50),
        field: z.string().default('captions').describe('Reference captions for CIDEr-D.'),
        objectsField: z.string().default('chairObjects').describe('Objects present, for CHAIR (skipped when samples lack it).'),
        reward: z.boolean().default(true).describe('Also report the mean total reward of the greedy captions.'),
      })
      .prefault({}),
    baseDir: z.string().optional().describe('Folder relative paths in reward specs resolve against. Default: the current directory.'),
  })
  .superRefine((o, ctx) => {
    const n = o.numGenerations ?? (o.algorithm === 'grpo' ? 8 : 5);
    if (o.algorithm === 'grpo' && n < 2) ctx.addIssue({ code: 'custom', path: ['numGenerations'], message: 'grpo needs numGenerations >= 2 (group statistics)' });
    if (o.algorithm === 'scst' && o.baseline === 'mean-of-others' && n < 2) {
      ctx.addIssue({ code: 'custom', path: ['numGenerations'], message: "baseline 'mean-of-others' needs numGenerations >= 2" });
    }
    if (o.reference === false && (o.beta ?? 0) > 0) ctx.addIssue({ code: 'custom', path: ['reference'], message: 'beta > 0 needs the reference model' });
  });

/** Options of the {@link rl} plugin. */
export type RlOptions = Omit<z.input<typeof rlOptionsSchema>, 'rewards'> & { rewards: (WeightedReward | RewardFunction | RewardSpec)[] };

/** {@link RlOptions} after validation, every default filled. */
export interface ResolvedRlOptions extends Omit<z.output<typeof rlOptionsSchema>, 'rewards' | 'numGenerations' | 'beta' | 'reference'> {
  rewards: (WeightedReward | RewardFunction | RewardSpec)[];
  numGenerations: number;
  beta: number;
  reference: boolean;
}

/** Validates options and fills defaults; throws an error naming each bad field. */
export function resolveRlOptions(options: RlOptions): ResolvedRlOptions {
  const parsed = rlOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  rl.options.${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`Invalid @vlalign/rl options:\n${problems}`);
  }
  const o = parsed.data;
  const beta = o.beta ?? (o.algorithm === 'grpo' ? 0.04 : 0);
  return {
    ...o,
    rewards: o.rewards as ResolvedRlOptions['rewards'],
    numGenerations: o.numGenerations ?? (o.algorithm === 'grpo' ? 8 : 5),
    beta,
    reference: o.reference === 'auto' ? beta > 0 : o.reference,
  };
}
