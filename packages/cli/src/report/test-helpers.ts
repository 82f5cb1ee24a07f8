import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetricsWriter, createShapesWorld } from '@vlalign/core';
import type { ReportSample } from './report-sample.js';

/** Charts the fake run's metrics give: total, captioning, clip, lr, grad norm, eval clip, eval captioning. */
export const FAKE_RUN_CHARTS = 7;

/**
 * Writes a run folder like `vlalign train` does (config.json + metrics.jsonl, no checkpoints) with
 * 20 training steps of two plugins and evals every 5 steps. The clock is fixed.
 */
export function writeFakeRun(runDir: string): void {
  mkdirSync(runDir, { recursive: true });
  const config = {
    name: 'fake <run> & "quotes"',
    seed: 0,
    model: { kind: 'vlm', preset: 'tiny', overrides: {} },
    tokenizer: 'shapes',
    data: { train: { shapesWorld: { size: 64, seed: 0, split: 'train', imageSize: 32, maxObjects: 3, minObjects: 1 } } },
    plugins: [{ use: 'captioning', options: {}, weight: 1 }, { use: 'clip', options: { temperature: 0.07 }, weight: 0.5 }],
    train: { steps: 20, batchSize: 8, lr: 0.001 },
    output: { dir: runDir, resume: 'auto' },
  };
  writeFileSync(join(runDir, 'config.json'), JSON.stringify({ config, configDir: runDir, backend: { name: 'wasm', version: '4.22.0', simd: true, threads: 2, native: { active: true, gemm: 'openblas (Haswell)' } } }, null, 2));
  let t = 1_700_000_000_000;
  const log = new MetricsWriter(join(runDir, 'metrics.jsonl'), { now: () => (t += 1500) });
  for (let step = 1; step <= 20; step++) {
    const cap = 3 * Math.exp(-step / 8) + 0.2;
    const clip = 2 * Math.exp(-step / 5) + 0.1;
    log.write(step, { loss: cap + 0.5 * clip, 'captioning/loss': cap, 'captioning/tokens': 80, 'clip/loss': clip, 'clip/logit_scale': 14, lr: Math.min(1, step / 4) * 1e-3, grad_norm: 1 / step, step_time_ms: 120 });
    if (step % 5 === 0) log.write(step, { split: 'eval', 'clip/i2t_r@1': step / 25, 'clip/t2i_r@1': step / 30, 'captioning/cider': step / 40, 'captioning/bleu4': step / 80 });
  }
}

/** Test images from the shapes world with the objects' boxes as fake word points. */
export function fakeSamples(count: number): ReportSample[] {
  const world = createShapesWorld({ seed: 3, size: count, split: 'test', imageSize: 32, maxObjects: 3 });
  return Array.from({ length: count }, (_, i) => {
    const s = world.get(i) as Awaited<ReturnType<typeof world.get>>;
    const words = i % 2 === 0 ? s.objects.map((o) => ({ word: o.shape, points: [[o.bboxNorm[0], o.bboxNorm[1]], [o.bboxNorm[2], o.bboxNorm[3]]] as [number, number][] })) : undefined;
    return { image: s.image, caption: words ? words.map((w) => w.word).join(' ') : `caption <${i}>`, reference: s.captions[0], words };
  });
}
