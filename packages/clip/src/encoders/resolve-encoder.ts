import { Linear, TextEncoder, type DualEncoder, type PluginContext, type VisionLanguageModel, tf } from '@vlalign/core';
import type { ContrastiveEncoder } from './contrastive-encoder.js';
import type { ResolvedClipOptions } from '../plugin/clip-options.js';

/** The towers the plugin trains and evaluates, with the sizes their inputs need. */
export interface ResolvedEncoder extends ContrastiveEncoder {
  /** Side of the square images the vision tower takes. */
  imageSize: number;
  /** Token limit per caption (BOS/EOS included). */
  textMaxLength: number;
  /** Every variable the towers read (the optimiser and the feature cache keep the trainable ones). */
  variables(): tf.Variable[];
}

/** Names under which the plugin registers the text side it adds to a VisionLanguageModel. */
const VLM_MODULES = { text: 'text', imageProj: 'image_proj', textProj: 'text_proj' } as const;

function textMaxLength(options: ResolvedClipOptions, towerMax: number): number {
  const wanted = options.textMaxLength ?? towerMax;
  if (wanted > towerMax) throw new Error(`clip.options.textMaxLength (${wanted}) exceeds the text tower's maxLength (${towerMax})`);
  return wanted;
}

/**
 * Registers the text tower and projections a VisionLanguageModel needs for contrastive training
 * (called from the plugin's `setup`; a DualEncoder needs nothing).
 */
export function registerVlmTextSide(ctx: PluginContext, options: ResolvedClipOptions): void {
  const vlm = ctx.model as VisionLanguageModel;
  const vision = vlm.vision.config;
  const t = options.textTower ?? {};
  const width = t.width ?? vision.width;
  const embedDim = t.embedDim ?? vision.width;
  const seed = t.seed ?? 0;
  const text = new TextEncoder(
    {
      vocabSize: ctx.tokenizer.vocabSize,
      maxLength: options.textMaxLength ?? 32,
      width,
      layers: t.layers ?? 2,
      heads: t.heads ?? vision.heads,
      mlpHidden: t.mlpHidden ?? 4 * width,
    },
    { seed },
  );
  ctx.registerModule(VLM_MODULES.text, text);
  ctx.registerModule(VLM_MODULES.imageProj, new Linear(vision.width, embedDim, { bias: false, seed: seed + 1 }));
  ctx.registerModule(VLM_MODULES.textProj, new Linear(width, embedDim, { bias: false, seed: seed + 2 }));
}

/** Which of the supported model kinds the run's model is; throws a clear error for any other. */
export function contrastiveModelKind(ctx: Pick<PluginContext, 'capabilities'>): 'dual-encoder' | 'vlm' {
  if (ctx.capabilities.includes('dual-encoder')) return 'dual-encoder';
  if (ctx.capabilities.includes('vlm')) return 'vlm';
  throw new Error(
    `The clip plugin needs a DualEncoder or a VisionLanguageModel; this model has capabilities [${ctx.capabilities.join(', ')}]`,
  );
}

/**
 * The contrastive towers of the run's model: a DualEncoder as it is, or a VisionLanguageModel's
 * `vision` tower (mean-pooled) with the text side registered by {@link registerVlmTextSide}.
 */
export function resolveEncoder(ctx: PluginContext, options: ResolvedClipOptions): ResolvedEncoder {
  if (contrastiveModelKind(ctx) === 'dual-encoder') {
    const model = ctx.model as DualEncoder;
    return {
      encodeImage: (images) => model.encodeImage(images),
      encodeText: (ids, lengths) => model.encodeText(ids, lengths),
      imageSize: model.config.vision.imageSize,
      textMaxLength: textMaxLength(options, model.config.text.maxLength),
      variables: () => model.parameters(),
    };
  }
  const vision = (ctx.model as VisionLanguageModel).vision;
  const text = ctx.getModule<TextEncoder>(VLM_MODULES.text);
  const imageProj = ctx.getModule<Linear>(VLM_MODULES.imageProj);
  const textProj = ctx.getModule<Linear>(VLM_MODULES.textProj);
  return {
    encodeImage: (images) => tf.tidy(() => imageProj.forward(vision.forward(images).pooled) as tf.Tensor2D),
    encodeText: (ids, lengths) => tf.tidy(() => textProj.forward(text.forward(ids, lengths).pooled) as tf.Tensor2D),
    imageSize: vision.config.imageSize,
    textMaxLength: textMaxLength(options, text.config.maxLength),
    variables: () => [vision, text, imageProj, textProj].flatMap((m) => m.parameters()),
  };
}
