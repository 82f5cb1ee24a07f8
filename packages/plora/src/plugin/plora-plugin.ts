import { definePlugin, type Plugin, type PluginContext } from '@vlalign/core';
import { applyLoRA, applyPartialLoRA } from '../inject/apply-lora.js';
import { adapterStats } from './adapter-stats.js';
import { resolvePloraOptions, type PloraOptions } from './plora-options.js';

/**
 * Partial LoRA (or standard LoRA) fine-tuning as a vlalign plugin.
 *
 * In `setup` it injects adapters into the model (`applyPartialLoRA`, or `applyLoRA` with
 * `partial: false`) and, by default, freezes everything else, so the trainer's optimiser updates
 * only the adapters (plus `trainableModules`). It has no loss of its own: combine it with a loss
 * plugin (`captioning()`, `clip()`, `cal()`, `seva()`, ...), whose gradients then reach the
 * adapters. Eval hook `adapters`: `adapter_modules`, `adapter_parameters`, `trainable_parameters`,
 * `total_parameters`, `trainable_fraction`, `adapter_fraction`.
 *
 * Partial LoRA needs a `VisionLanguageModel` (it adapts only the visual-token rows the model marks);
 * standard LoRA works on any model whose linear layers the targets select.
 *
 * @example
 * import { Trainer, captioning, createModel, createShapesWorld, shapesTokenizer } from '@vlalign/core';
 * import { plora } from '@vlalign/plora';
 *
 * const trainer = new Trainer({
 *   model: createModel('vlm', 'tiny', { seed: 0 }),
 *   tokenizer: shapesTokenizer(),
 *   plugins: [captioning(), plora({ rank: 8, alpha: 8, targets: 'llm-all-linear', trainableModules: ['projector'] })],
 *   data: createShapesWorld({ seed: 1, size: 4096, split: 'train' }),
 *   batchSize: 32, steps: 1000, seed: 0, optimizer: { lr: 1e-3 },
 * });
 * await trainer.fit();
 */
export function plora(options: PloraOptions = {}): Plugin {
  const { partial, ...config } = resolvePloraOptions(options);
  return definePlugin({
    name: 'plora',
    specificationVersion: 'v1',
    requires: partial ? ['vlm'] : undefined,
    setup(ctx: PluginContext) {
      const result = (partial ? applyPartialLoRA : applyLoRA)(ctx.model, config);
      const pct = ((100 * result.trainableParameters) / result.totalParameters).toFixed(2);
      ctx.log(
        `${partial ? 'Partial LoRA' : 'LoRA'} r=${config.rank} alpha=${config.alpha} on ${result.targets.length} modules: ` +
          `${result.adapterParameters} adapter parameters; trainable ${result.trainableParameters} of ${result.totalParameters} (${pct}%)`,
      );
    },
    evaluate: [
      {
        name: 'adapters',
        async run(ctx) {
          return { ...adapterStats(ctx.model) };
        },
      },
    ],
  });
}
