import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, initBackend, type EvalContext, type Module, type PluginContext } from '@vlalign/core';
import { LoraLinear } from '../layer/lora-linear.js';
import { plora } from './plora-plugin.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** The parts of a trainer context the plugin uses. */
function fakeContext(model: Module, logs: string[]): EvalContext {
  return { name: 'plora', model, capabilities: ['vlm', 'lm', 'vision'], step: 0, totalSteps: 1, pluginNames: ['captioning', 'plora'], log: (m: string) => logs.push(m) } as unknown as EvalContext;
}

describe('plora plugin', () => {
  it('is a valid core plugin that injects adapters in setup and reports them in its eval hook', async () => {
    const plugin = plora({ rank: 4, alpha: 4, targets: 'llm-attention', trainableModules: ['projector'] });
    expect(plugin.name).toBe('plora');
    expect(plugin.requires).toEqual(['vlm']);
    expect(plugin.loss).toBeUndefined();
    const model = createModel('vlm', 'tiny', { seed: 0 });
    const logs: string[] = [];
    const ctx = fakeContext(model, logs);
    await plugin.setup!(ctx as PluginContext);
    const q = model.getModule('lm.blocks.0.attn.q_proj') as LoraLinear;
    expect(q).toBeInstanceOf(LoraLinear);
    expect(q.partial).toBe(true);
    expect(logs[0]).toMatch(/Partial LoRA r=4 alpha=4 on 8 modules/);
    const hook = plugin.evaluate!.find((h) => h.name === 'adapters')!;
    const metrics = await hook.run(ctx);
    const adapter = 8 * (4 * 64 + 4 * 64);
    const projector = model.getModule('projector').parameterCount();
    expect(metrics).toMatchObject({ adapter_modules: 8, adapter_parameters: adapter, trainable_parameters: adapter + projector });
    expect(metrics.trainable_fraction).toBeCloseTo((adapter + projector) / model.parameterCount(), 12);
    model.dispose();
  });

  it('does standard LoRA with partial: false and validates options', () => {
    expect(plora({ partial: false }).requires).toBeUndefined();
    expect(() => plora({ rank: -1 } as never)).toThrow(/plora\.options\.rank/);
    expect(() => plora({ ranks: 4 } as never)).toThrow(/Invalid @vlalign\/plora options/);
  });
});
