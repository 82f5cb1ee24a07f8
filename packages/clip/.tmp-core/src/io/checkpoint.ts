/**
 * Checkpoints inside a run folder:
 *
 * ```
 * runDir/checkpoints/
 *   step-00000100/{model.safetensors, optimizer.safetensors, trainer-state.json}
 *   step-00000200/...
 *   latest                      "step-00000200\n"
 * ```
 *
 * A checkpoint is written into a hidden temporary folder and renamed into place, so a `step-*` folder is
 * always complete: a crash mid-write leaves only a temporary folder, which readers ignore and the next
 * save removes. `latest` is a convenience pointer; readers fall back to scanning when it is missing,
 * corrupt or stale.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { fsyncDirectory, tempSiblingPath, writeFileAtomic, writeFileDurable } from './atomic-write.js';
import { encodeSafetensors } from './safetensors.js';
import { loadSafetensors } from './safetensors-file.js';

/** What a checkpoint holds. */
export interface CheckpointData {
  /** Model parameters by dotted name (e.g. `Module.stateDict()`). */
  model: Record<string, tf.Tensor>;
  /** Optimizer slots by name (e.g. AdamW moments); may be empty. */
  optimizer: Record<string, tf.Tensor>;
  /** Any JSON-serialisable trainer state (RNG state, data cursor, schedule, ...). */
  state: unknown;
}

/** A loaded checkpoint. The tensors are new: the caller disposes them. */
export interface LoadedCheckpoint extends CheckpointData {
  step: number;
}

/** Options for {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** How many of the newest checkpoints to keep after saving (>= 1, `Infinity` keeps all). Default 3. */
  keep?: number;
}

/** File names inside a checkpoint folder. */
export const CHECKPOINT_FILES = {
  model: 'model.safetensors',
  optimizer: 'optimizer.safetensors',
  state: 'trainer-state.json',
} as const;

const CHECKPOINT_FORMAT = 'vlalign-checkpoint';
const STEP_DIR = /^step-(\d{8,})$/;

/** The folder name of a step's checkpoint: `step-` and the step zero-padded to 8 digits. */
export function checkpointDirName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

function isComplete(dir: string): boolean {
  return Object.values(CHECKPOINT_FILES).every((f) => existsSync(join(dir, f)));
}

/** Complete checkpoints in `runDir/checkpoints`, oldest first. */
export function listCheckpoints(runDir: string): { step: number; path: string }[] {
  const root = join(runDir, 'checkpoints');
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && STEP_DIR.test(e.name) && isComplete(join(root, e.name)))
    .map((e) => ({ step: Number(STEP_DIR.exec(e.name)![1]), path: join(root, e.name) }))
    .sort((a, b) => a.step - b.step);
}

/**
 * Saves a checkpoint as `runDir/checkpoints/step-<8 digits>/`, atomically: the files are written and
 * fsynced in a temporary folder that is then renamed into place (an existing checkpoint of the same
 * step is replaced). Then `checkpoints/latest` is updated atomically and older checkpoints are pruned
 * to the newest `keep`; leftover temporary folders of crashed saves are removed. The input tensors are
 * not disposed. Assumes one writer per run folder.
 *
 * @returns the path of the checkpoint folder.
 */
export function saveCheckpoint(runDir: string, step: number, data: CheckpointData, options: SaveCheckpointOptions = {}): string {
  const keep = options.keep ?? 3;
  if (!Number.isSafeInteger(step) || step < 0) throw new Error(`saveCheckpoint: step must be a non-negative integer, got ${step}`);
  if (!(keep === Infinity || (Number.isInteger(keep) && keep >= 1))) {
    throw new Error(`saveCheckpoint: keep must be an integer >= 1 or Infinity, got ${keep}`);
  }
  const root = join(runDir, 'checkpoints');
  mkdirSync(root, { recursive: true });
  const name = checkpointDirName(step);
  const finalDir = join(root, name);
  const stateText = JSON.stringify({ format: CHECKPOINT_FORMAT, version: 1, step, savedAt: new Date().toISOString(), state: data.state }, null, 2);
  if (stateText === undefined) throw new Error('saveCheckpoint: state is not JSON-serialisable');

  const tmp = tempSiblingPath(finalDir);
  mkdirSync(tmp);
  try {
    const meta = { format: CHECKPOINT_FORMAT, step: String(step) };
    writeFileDurable(join(tmp, CHECKPOINT_FILES.model), encodeSafetensors(data.model, { ...meta, content: 'model' }));
    writeFileDurable(join(tmp, CHECKPOINT_FILES.optimizer), encodeSafetensors(data.optimizer, { ...meta, content: 'optimizer' }));
    writeFileDurable(join(tmp, CHECKPOINT_FILES.state), `${stateText}\n`);
    fsyncDirectory(tmp);
    if (existsSync(finalDir)) {
      // rename() cannot replace a non-empty folder; move the old one aside first (it is deleted below).
      renameSync(finalDir, tempSiblingPath(finalDir));
    }
    renameSync(tmp, finalDir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  fsyncDirectory(root);
  writeFileAtomic(join(root, 'latest'), `${name}\n`);

  for (const entry of readdirSync(root)) {
    if (entry.startsWith('.step-') && entry.includes('.tmp-')) rmSync(join(root, entry), { recursive: true, force: true });
  }
  const all = listCheckpoints(runDir);
  if (keep !== Infinity) {
    for (const old of all.slice(0, Math.max(0, all.length - keep))) {
      if (old.path !== finalDir) rmSync(old.path, { recursive: true, force: true });
    }
  }
  return finalDir;
}

/**
 * The newest complete checkpoint folder of a run, or `undefined` when there is none. Uses the `latest`
 * pointer when it names a complete checkpoint, but a newer complete checkpoint found by scanning wins
 * (a crash between the rename and the pointer update leaves the pointer one behind); a missing or
 * corrupt pointer falls back to the scan. Temporary folders of interrupted saves are ignored.
 */
export function findLatestCheckpoint(runDir: string): string | undefined {
  const root = join(runDir, 'checkpoints');
  const scanned = listCheckpoints(runDir).at(-1);
  let pointed: { step: number; path: string } | undefined;
  try {
    const name = readFileSync(join(root, 'latest'), 'utf8').trim();
    const m = STEP_DIR.exec(name);
    if (m && isComplete(join(root, name))) pointed = { step: Number(m[1]), path: join(root, name) };
  } catch {
    // Missing or unreadable pointer: the scan decides.
  }
  if (pointed && (!scanned || pointed.step >= scanned.step)) return pointed.path;
  return scanned?.path;
}

/**
 * Loads a checkpoint folder written by {@link saveCheckpoint}. The returned tensors are new; the
 * caller disposes them (also on error, nothing is left allocated).
 * @throws naming the folder and the missing or malformed file.
 */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  for (const f of Object.values(CHECKPOINT_FILES)) {
    if (!existsSync(join(dir, f))) {
      throw new Error(`loadCheckpoint: ${dir} has no ${f}; it is not a complete checkpoint folder (expected ${Object.values(CHECKPOINT_FILES).join(', ')})`);
    }
  }
  const statePath = join(dir, CHECKPOINT_FILES.state);
  let parsed: { format?: unknown; step?: unknown; state?: unknown };
  try {
    parsed = JSON.parse(readFileSync(statePath, 'utf8'));
  } catch (err) {
    throw new Error(`loadCheckpoint: ${statePath} is not valid JSON (${(err as Error).message})`);
  }
  if (parsed?.format !== CHECKPOINT_FORMAT || !Number.isSafeInteger(parsed.step)) {
    throw new Error(`loadCheckpoint: ${statePath} lacks "format": "${CHECKPOINT_FORMAT}" and an integer "step"; it was not written by saveCheckpoint`);
  }
  const model = loadSafetensors(join(dir, CHECKPOINT_FILES.model)).tensors;
  let optimizer: Record<string, tf.Tensor>;
  try {
    optimizer = loadSafetensors(join(dir, CHECKPOINT_FILES.optimizer)).tensors;
  } catch (err) {
    for (const t of Object.values(model)) t.dispose();
    throw err;
  }
  return { model, optimizer, state: parsed.state, step: parsed.step as number };
}
