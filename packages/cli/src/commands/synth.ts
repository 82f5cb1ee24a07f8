import { writeShapesWorld } from '@vlalign/core';

export interface SynthOptions {
  out: string;
  size: number;
  seed: number;
  split: 'train' | 'val' | 'test';
  imageSize: number;
}

/** Writes the shapes world to disk as PNG files + manifest.jsonl (the format `jsonl` data sources read). */
export async function runSynth(opts: SynthOptions): Promise<void> {
  await writeShapesWorld({ outDir: opts.out, size: opts.size, seed: opts.seed, split: opts.split, imageSize: opts.imageSize });
}
