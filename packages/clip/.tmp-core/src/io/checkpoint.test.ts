import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { findLatestCheckpoint, listCheckpoints, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { tempDir } from './test-helpers.js';

function data(step: number) {
  return {
    model: { 'vision.proj.weight': tf.fill([2, 3], step), 'lm.head.bias': tf.tensor1d([step, -step]) },
    optimizer: { 'm.vision.proj.weight': tf.fill([2, 3], step / 10), count: tf.scalar(step, 'int32') },
    state: { step, rng: [1, 2, 3], note: 'hello' },
  };
}

function disposeAll(d: { model: Record<string, tf.Tensor>; optimizer: Record<string, tf.Tensor> }): void {
  tf.dispose([...Object.values(d.model), ...Object.values(d.optimizer)]);
}

describe('checkpoints', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('round-trips model, optimizer and state, and disposes cleanly', () => {
    const run = tempDir();
    const d = data(7);
    const dir = saveCheckpoint(run, 7, d);
    disposeAll(d);
    expect(dir).toBe(join(run, 'checkpoints', 'step-00000007'));
    expect(readdirSync(dir).sort()).toEqual(['model.safetensors', 'optimizer.safetensors', 'trainer-state.json']);
    expect(readFileSync(join(run, 'checkpoints', 'latest'), 'utf8')).toBe('step-00000007\n');

    const before = tf.memory().numTensors;
    const loaded = loadCheckpoint(dir);
    expect(loaded.step).toBe(7);
    expect(loaded.state).toEqual({ step: 7, rng: [1, 2, 3], note: 'hello' });
    expect(Array.from(loaded.model['lm.head.bias'].dataSync())).toEqual([7, -7]);
    expect(loaded.model['vision.proj.weight'].shape).toEqual([2, 3]);
    expect(loaded.optimizer.count.dtype).toBe('int32');
    expect(loaded.optimizer.count.dataSync()[0]).toBe(7);
    disposeAll(loaded);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('prunes to the newest `keep` and points `latest` at the newest', () => {
    const run = tempDir();
    for (const step of [10, 20, 30, 40, 50]) {
      const d = data(step);
      saveCheckpoint(run, step, d, { keep: 2 });
      disposeAll(d);
    }
    expect(listCheckpoints(run).map((c) => c.step)).toEqual([40, 50]);
    expect(findLatestCheckpoint(run)).toBe(join(run, 'checkpoints', 'step-00000050'));
  });

  it('replaces an existing checkpoint of the same step', () => {
    const run = tempDir();
    for (const v of [1, 2]) {
      const d = { model: { w: tf.scalar(v) }, optimizer: {}, state: { v } };
      saveCheckpoint(run, 5, d);
      d.model.w.dispose();
    }
    const loaded = loadCheckpoint(findLatestCheckpoint(run)!);
    expect(loaded.state).toEqual({ v: 2 });
    expect(loaded.model.w.dataSync()[0]).toBe(2);
    disposeAll(loaded);
    expect(readdirSync(join(run, 'checkpoints')).sort()).toEqual(['latest', 'step-00000005']);
  });

  it('ignores a half-written temp folder left by a crash, and the next save removes it', () => {
    const run = tempDir();
    const d = data(1);
    saveCheckpoint(run, 1, d);
    // What a crash during the write of step 2 leaves behind: a temp folder with some of the files.
    const leftover = join(run, 'checkpoints', '.step-00000002.tmp-999-deadbeef');
    mkdirSync(leftover);
    writeFileSync(join(leftover, 'model.safetensors'), 'partial');
    expect(findLatestCheckpoint(run)).toBe(join(run, 'checkpoints', 'step-00000001'));
    saveCheckpoint(run, 3, d);
    disposeAll(d);
    expect(existsSync(leftover)).toBe(false);
  });

  it('falls back to scanning when `latest` is missing, corrupt, stale or names an incomplete folder', () => {
    const run = tempDir();
    const root = join(run, 'checkpoints');
    expect(findLatestCheckpoint(run)).toBeUndefined();
    const d = data(1);
    saveCheckpoint(run, 1, d);
    saveCheckpoint(run, 2, d);
    disposeAll(d);
    const newest = join(root, 'step-00000002');
    writeFileSync(join(root, 'latest'), '\u0000garbage');
    expect(findLatestCheckpoint(run)).toBe(newest);
    writeFileSync(join(root, 'latest'), 'step-00000001\n'); // stale: crash before the pointer update
    expect(findLatestCheckpoint(run)).toBe(newest);
    mkdirSync(join(root, 'step-00000009')); // incomplete, e.g. made by hand
    writeFileSync(join(root, 'latest'), 'step-00000009\n');
    expect(findLatestCheckpoint(run)).toBe(newest);
  });

  it('gives clear errors for bad arguments and incomplete folders', () => {
    const run = tempDir();
    const d = { model: {}, optimizer: {}, state: {} };
    expect(() => saveCheckpoint(run, -1, d)).toThrow(/step must be a non-negative integer/);
    expect(() => saveCheckpoint(run, 1, d, { keep: 0 })).toThrow(/keep must be an integer >= 1/);
    const bad = join(run, 'nothing');
    mkdirSync(bad);
    expect(() => loadCheckpoint(bad)).toThrow(/has no model\.safetensors; it is not a complete checkpoint folder/);
    const dir = saveCheckpoint(run, 4, d);
    writeFileSync(join(dir, 'trainer-state.json'), '{"step": 4}');
    expect(() => loadCheckpoint(dir)).toThrow(/lacks "format": "vlalign-checkpoint"/);
  });
});
