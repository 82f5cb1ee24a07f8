import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listCheckpoints, readMetrics, type MetricsRecord } from '@vlalign/core';

/** The backend a run trained on, as `runTraining` records it in `config.json`. */
export interface RecordedBackend {
  name?: string;
  version?: string;
  simd?: boolean;
  threads?: number;
  /** Whether `@vlalign/native`'s kernels ran, with the GEMM they used or why they did not. */
  native?: { active: boolean; gemm?: string; reason?: string };
}

/** What the report reads from a run folder. */
export interface RunFolderData {
  runDir: string;
  /** The config the run was trained with (`config.json`'s `config`). */
  config: Record<string, unknown>;
  /** The folder the config's relative paths resolve against. */
  configDir?: string;
  backend?: RecordedBackend;
  /** Every row of `metrics.jsonl` (empty when the file does not exist yet). */
  metrics: MetricsRecord[];
  checkpoints: { step: number; path: string }[];
}

/**
 * Reads `config.json`, `metrics.jsonl` and the checkpoint list of a run folder written by
 * `vlalign train`.
 * @throws naming the file when `config.json` is missing or malformed, or a metrics line is malformed.
 */
export function readRunFolder(runDir: string): RunFolderData {
  const configFile = join(runDir, 'config.json');
  if (!existsSync(configFile)) throw new Error(`vlalign report: ${runDir} is not a run folder (no config.json; run folders are written by \`vlalign train\`)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (err) {
    throw new Error(`vlalign report: ${configFile} is not valid JSON (${(err as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || typeof (raw as { config?: unknown }).config !== 'object' || (raw as { config?: unknown }).config === null) {
    throw new Error(`vlalign report: ${configFile} must be an object with a "config" object (as written by \`vlalign train\`)`);
  }
  const r = raw as { config: Record<string, unknown>; configDir?: unknown; backend?: RecordedBackend };
  const metricsFile = join(runDir, 'metrics.jsonl');
  return {
    runDir,
    config: r.config,
    configDir: typeof r.configDir === 'string' ? r.configDir : undefined,
    backend: r.backend && typeof r.backend === 'object' ? r.backend : undefined,
    metrics: existsSync(metricsFile) ? readMetrics(metricsFile) : [],
    checkpoints: listCheckpoints(runDir),
  };
}
