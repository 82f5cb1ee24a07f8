// The main job through the API instead of a config: one Trainer mixing CAL, PixelLLM, CLIP and
// Partial LoRA on a tiny VLM over the built-in shapes world. Same settings as examples/mixed.yaml.
// Run after `pnpm build`: node --experimental-strip-types examples/mixed.ts (Node >= 22.6), or any TS runner.
import { Trainer, createModel, createShapesWorld, formatMetricsTable, initBackend, shapesTokenizer } from '@vlalign/core';
import { cal } from '@vlalign/cal';
import { clip } from '@vlalign/clip';
import { pixelllm } from '@vlalign/pixelllm';
import { plora } from '@vlalign/plora';

await initBackend();
const tokenizer = shapesTokenizer();
const model = createModel('vlm', 'tiny', { seed: 1, vocabSize: tokenizer.vocabSize });
const world = (split: 'train' | 'test', size: number, maxObjects = 4) => createShapesWorld({ seed: 1, split, size, imageSize: 64, maxObjects });

const trainer = new Trainer({
  model,
  tokenizer,
  data: world('train', 8000),
  evalData: world('test', 100),
  plugins: [
    { plugin: cal({ field: 'fillerCaption', maxLength: 48, references: 'captions' }), weight: 1 },
    { plugin: pixelllm({ maxLength: 32 }), weight: 1 },
    { plugin: clip(), weight: 2, batchSize: 32, evalData: world('test', 200, 1) },
    { plugin: plora({ partial: true, targets: 'llm-attention', rank: 8, alpha: 16, freezeBase: false }) },
  ],
  steps: 800,
  batchSize: 16,
  seed: 1,
  optimizer: { lr: 2e-3, warmupSteps: 20, clipNorm: 1 },
  runDir: 'runs/mixed-ts',
});
const { evalMetrics } = await trainer.fit();
console.log(formatMetricsTable(evalMetrics));
trainer.dispose();
