import { existsSync, readFileSync } from 'node:fs';
import { writeJson, type PreferencePair } from '@vlalign/core';

/** What a pair file was made with; a resumed run must use the same. */
export interface PairSettings {
  source: string;
  augmentation: string;
  t: number;
  /** Absent in state files written before the option existed (then equal to t). */
  questionT?: number;
  cropScale: number;
  prompt: string;
  questionsPerImage: number;
  maxNewTokens: number;
  /** Absent in state files written before the option existed (then equal to maxNewTokens). */
  questionMaxNewTokens?: number;
  seed: number;
}

/** Progress of a pair-making run, saved beside the JSONL as `<out>.state.json` after every chunk. */
export interface PairsState {
  version: 1;
  /** Source samples answered so far (the next run starts at this index). */
  processed: number;
  /** Pairs in the JSONL. */
  kept: number;
  /** Pairs dropped because chosen and rejected were identical. */
  dropped: number;
  /** Pairs dropped because the chosen answer was empty. */
  droppedEmpty: number;
  settings: PairSettings;
}

/** The state file path of a pair file. */
export const statePath = (out: string): string => `${out}.state.json`;

/** Reads the state of an earlier run, or undefined when there is none. */
export function readPairsState(out: string): PairsState | undefined {
  const path = statePath(out);
  if (!existsSync(path)) return undefined;
  const state = JSON.parse(readFileSync(path, 'utf8')) as PairsState;
  if (state?.version !== 1 || !Number.isInteger(state.processed) || !Number.isInteger(state.kept)) {
    throw new Error(`${path}: not a seva pairs state file (version 1); delete it and the pairs file to start over`);
  }
  return state;
}

export function writePairsState(out: string, state: PairsState): void {
  writeJson(statePath(out), state);
}

/**
 * The pairs already written to `out` (raw TRL lines turned back into {@link PreferencePair}s, image
 * paths kept as written). Lines after the first `limit` are ignored: they belong to a chunk whose
 * state was never saved, which the resumed run makes again.
 */
export function readWrittenPairs(out: string, limit: number): PreferencePair[] {
  if (!existsSync(out)) return [];
  const lines = readFileSync(out, 'utf8').split('\n').filter((l) => l.trim() !== '');
  if (lines.length < limit) {
    throw new Error(`${out} has ${lines.length} pairs but its state file says ${limit} were written; the file was changed or damaged. Delete it and ${statePath(out)} to start over`);
  }
  return lines.slice(0, limit).map((line, i) => {
    const r = JSON.parse(line) as { id: string; prompt: string; chosen: string; rejected: string; images?: string[] };
    if (typeof r.id !== 'string' || typeof r.chosen !== 'string') throw new Error(`${out}:${i + 1}: not a pair written by makePreferencePairs`);
    return { id: r.id, prompt: r.prompt, chosen: r.chosen, rejected: r.rejected, image: r.images?.[0] };
  });
}

/** Names the first setting that differs, or undefined. */
export function settingsMismatch(then: PairSettings, b: PairSettings): string | undefined {
  const a: PairSettings = { questionMaxNewTokens: then.maxNewTokens, questionT: then.t, ...then };
  for (const k of Object.keys(a) as (keyof PairSettings)[]) {
    if (a[k] !== b[k]) return `${k}: ${JSON.stringify(a[k])} then, ${JSON.stringify(b[k])} now`;
  }
  return undefined;
}
