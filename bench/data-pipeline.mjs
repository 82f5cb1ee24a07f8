// Data-pipeline throughput: images/s decoded from the on-disk shapes world (PNG + manifest.jsonl,
// the `vlalign synth` format) and batched into a [32, 64, 64, 3] tensor, plus the in-memory generator.
// Prints one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchStream, createShapesWorld, imagesToTensor, initBackend, jsonlManifest, tf, writeShapesWorld } from '@vlalign/core';

const size = Number(process.argv[2] ?? 512);
const batchSize = 32;
await initBackend('wasm');
const dir = mkdtempSync(join(tmpdir(), 'vlalign-bench-data-'));
try {
  await writeShapesWorld({ outDir: dir, size, seed: 3, split: 'train', imageSize: 64 });
  async function measure(dataset) {
    const stream = new BatchStream(dataset, { batchSize, seed: 1, dropLast: true });
    const batches = Math.floor(size / batchSize);
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) {
      const samples = await stream.next();
      const x = imagesToTensor(samples.map((s) => s.image), 64);
      x.dispose();
    }
    return (batches * batchSize) / ((performance.now() - t0) / 1000);
  }
  const disk = await measure(await jsonlManifest(join(dir, 'manifest.jsonl'), { imageSize: 64 }));
  const memory = await measure(createShapesWorld({ seed: 3, size, split: 'train', imageSize: 64 }));
  console.log(JSON.stringify({ disk_images_per_s: disk, generated_images_per_s: memory, size, batchSize, num_tensors: tf.memory().numTensors }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
