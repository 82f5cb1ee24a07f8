import { VisionLanguageModel, createRng, createShapesWorld, shapesTokenizer, type BackendInfo, type Dataset, type EvalContext, type Module, type ModelCapability, type PluginContext, type Tokenizer } from '@vlalign/core';

/** A very small VLM for tests: 32-px images in 8-px patches (16 visual tokens), width 32, 1+1 layers. */
export function tinyVlm(tokenizer: Tokenizer, seed = 0): VisionLanguageModel {
  return new VisionLanguageModel(
    {
      vision: { imageSize: 32, patchSize: 8, width: 32, layers: 1, heads: 2, mlpHidden: 64 },
      lm: { vocabSize: tokenizer.vocabSize, maxLength: 64, width: 32, layers: 1, heads: 2, mlpHidden: 64 },
      projectorHidden: 32,
    },
    { seed },
  );
}

/** Shapes-world data at 32 px. */
export function tinyWorld(split: 'train' | 'test', size: number) {
  return createShapesWorld({ seed: 3, size, split, imageSize: 32, maxObjects: 2 });
}

export const tokenizer = shapesTokenizer();

/** A stand-in for the trainer's plugin context (modules in a map, seeded random stream). */
export class TestContext implements PluginContext {
  readonly name = 'pixelllm';
  readonly modules = new Map<string, Module>();
  step = 0;
  readonly totalSteps = 10;
  readonly pluginNames = ['pixelllm'];
  readonly capabilities: readonly ModelCapability[] = ['vlm', 'lm', 'vision'];
  readonly backend = { name: 'wasm' } as unknown as BackendInfo;
  private rng = createRng(1);
  constructor(
    readonly model: Module,
    readonly tokenizer: Tokenizer,
  ) {}
  registerModule<M extends Module>(name: string, module: M): M {
    this.modules.set(name, module);
    return module;
  }
  getModule<M extends Module>(name: string): M {
    const m = this.modules.get(name);
    if (!m) throw new Error(`no module ${name}`);
    return m as M;
  }
  random(): number {
    return this.rng();
  }
  /** Restarts the random stream (so every step draws the same task mix). */
  resetRandom(seed = 1): void {
    this.rng = createRng(seed);
  }
  log(): void {}
  withEvalData(evalData: Dataset): EvalContext {
    return Object.assign(Object.create(this), { evalData }) as EvalContext;
  }
}
