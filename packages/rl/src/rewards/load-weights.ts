import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createModel, findLatestCheckpoint, listModelPresets, loadSafetensors, tf, type DualEncoder } from '@vlalign/core';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

/**
 * Rebuilds the DualEncoder of a vlalign run folder (as `vlalign train` writes it: `config.json`
 * with `config.model` = `{ kind: 'dual-encoder', preset, overrides }`, and `checkpoints/`), with
 * the weights of its newest checkpoint. Plugin-owned weights (`plugins.*`) are skipped.
 *
 * @param runDir the run folder of a CLIP (`@vlalign/clip`) run.
 * @param vocabSize the shared tokenizer's vocabulary size.
 */
export function loadDualEncoderRun(runDir: string, vocabSize: number): DualEncoder {
  const who = `clipScoreReward: run folder ${runDir}`;
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new Error(`${who} does not exist (expected the output folder of a CLIP training run)`);
  const configPath = join(runDir, 'config.json');
  if (!existsSync(configPath)) throw new Error(`${who} has no config.json (written by vlalign train); pass the DualEncoder object instead`);
  const saved = JSON.parse(readFileSync(configPath, 'utf8')) as { config?: { model?: { kind?: string; preset?: string; overrides?: unknown } } };
  const spec = saved.config?.model;
  if (spec?.kind !== 'dual-encoder') throw new Error(`${who}: config.json's model.kind is ${JSON.stringify(spec?.kind)}; CLIPScore needs a dual-encoder run`);
  const preset = listModelPresets().find((p) => p.kind === 'dual-encoder' && p.name === (spec.preset ?? 'tiny'));
  if (!preset) throw new Error(`${who}: unknown dual-encoder preset ${JSON.stringify(spec.preset)}`);
  const checkpoint = findLatestCheckpoint(runDir);
  if (!checkpoint) throw new Error(`${who} has no checkpoint yet`);
  const model = createModel('dual-encoder', merge(preset.config, spec.overrides ?? {}) as never, { vocabSize });
  const { tensors } = loadSafetensors(join(checkpoint, 'model.safetensors'));
  try {
    const own = Object.fromEntries(Object.entries(tensors).filter(([k]) => !k.startsWith('plugins.')));
    model.loadStateDict(own);
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return model.eval().freeze();
}
