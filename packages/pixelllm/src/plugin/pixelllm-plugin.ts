import { definePlugin, imagesToTensor, tf, type EvalContext, type Plugin, type PluginContext, type RgbImage, type Sample, type VisionLanguageModel } from '@vlalign/core';
import { PointHead } from '../head/point-head.js';
import { LocationPromptEncoder } from '../prompt/location-prompt-encoder.js';
import { modelImageSize, modelWidth } from '../inference/prompted-forward.js';
import { evaluateWordGrounding } from '../eval/word-grounding-eval.js';
import { evaluateReferring } from '../eval/referring-eval.js';
import { evaluateLocationCaptions } from '../eval/location-caption-eval.js';
import { firstSamples } from '../eval/eval-samples.js';
import { chooseRows, chooseRowsWithExtras } from './choose-rows.js';
import { pixelLlmLoss } from './pixelllm-loss.js';
import { resolvePixelLlmOptions, type PixelLlmOptions } from './pixelllm-options.js';

/** Name of the registered point head: parameters `plugins.pixelllm.point_head.*`. */
export const POINT_HEAD_MODULE = 'point_head';
/** Name of the registered location prompt encoder: `plugins.pixelllm.prompt_encoder.*`. */
export const PROMPT_ENCODER_MODULE = 'prompt_encoder';

/** The modules the plugin registers, for use outside the trainer (inference, visualisation). */
export function pixelLlmModules(ctx: Pick<PluginContext, 'getModule'>): { head: PointHead; promptEncoder: LocationPromptEncoder } {
  return { head: ctx.getModule<PointHead>(POINT_HEAD_MODULE), promptEncoder: ctx.getModule<LocationPromptEncoder>(PROMPT_ENCODER_MODULE) };
}

function vlmOf(ctx: Pick<PluginContext, 'model' | 'capabilities'>): VisionLanguageModel {
  if (!ctx.capabilities.includes('vlm')) throw new Error('pixelllm: needs a VisionLanguageModel (capability "vlm")');
  return ctx.model as VisionLanguageModel;
}

function imagesOf(samples: readonly Sample[]): RgbImage[] {
  return samples.map((s) => {
    if (!s.image) throw new Error(`pixelllm: sample "${s.id}" has no "image"`);
    return s.image;
  });
}

/**
 * PixelLLM ("Pixel Aligned Language Models", Xu et al., CVPR 2024) as a vlalign plugin.
 *
 * Setup registers a {@link PointHead} on the LM's pre-vocabulary features (`point_head`) and a
 * {@link LocationPromptEncoder} (`prompt_encoder`) whose 2 tokens are passed as the VLM's
 * `extraPrefix`. Each step draws, per sample, one task from the plugin's seeded stream:
 * - dense word-grounded captioning (whole-image prompt, `captions[0]`, per-word 2-point box
 *   targets from `wordTargets`): caption CE + point L1;
 * - location-conditioned captioning (`locationFraction`): an object's box prompt and its
 *   description from `locationPrompts`: caption CE;
 * - referring localisation (`referringFraction`): `"where is <expression>"`, point L1 at the last
 *   token only, from `referring`.
 * The loss is `fraction_caption · CE + pointLossWeight · fraction_point · L1_pixels` (see
 * `pixelLlmLoss`). Samples without these annotations still train plain captioning, so the plugin
 * runs on any captioned data and mixes with other plugins.
 *
 * Metrics: `pixelllm/loss`, `pixelllm/caption_loss`, `pixelllm/point_loss` (pixels, unweighted),
 * and `pixelllm/point_loss_direct` with the visual-attention readout's auxiliary direct head.
 * Eval hooks (on the eval data, first `eval.maxSamples` images):
 * - `point_l1`: `point_l1`, `point_l1_centre_baseline`, `point_l1_object_words` (+ baseline),
 *   `caption_ce`;
 * - `referring`: `p_at_0_5`, `referring_mean_iou`;
 * - `location_caption`: `location_caption_accuracy`, `location_caption_accuracy_whole_image`.
 *
 * @example
 * const trainer = new Trainer({
 *   model: createModel('vlm', 'tiny', { seed: 0 }), tokenizer: shapesTokenizer(),
 *   plugins: [pixelllm({ pointLossWeight: 0.1 })],
 *   data: createShapesWorld({ seed: 1, size: 4096, split: 'train' }),
 *   evalData: createShapesWorld({ seed: 1, size: 256, split: 'test' }),
 *   batchSize: 32, steps: 2000, optimizer: { lr: 1e-3 },
 * });
 * await trainer.fit();
 */
export function pixelllm(options: PixelLlmOptions = {}): Plugin {
  const o = resolvePixelLlmOptions(options);
  const modules = (ctx: PluginContext) => pixelLlmModules(ctx);
  const evalSamples = (ctx: EvalContext) => firstSamples(ctx.evalData, o.eval.maxSamples);
  return definePlugin({
    name: 'pixelllm',
    specificationVersion: 'v1',
    requires: ['vlm'],
    setup(ctx) {
      const model = vlmOf(ctx);
      const width = modelWidth(model);
      modelImageSize(model);
      ctx.registerModule(POINT_HEAD_MODULE, new PointHead(width, o.head));
      ctx.registerModule(PROMPT_ENCODER_MODULE, new LocationPromptEncoder(width, o.promptEncoder));
    },
    loss(samples, ctx) {
      const model = vlmOf(ctx);
      const { head, promptEncoder } = modules(ctx);
      const random = () => ctx.random();
      const sampleImages = imagesOf(samples);
      const { rows, sampleOf } =
        o.taskRows === 'extra' ? chooseRowsWithExtras(samples, ctx.tokenizer, o, random) : { rows: chooseRows(samples, ctx.tokenizer, o, random), sampleOf: samples.map((_, i) => i) };
      return tf.tidy(() => {
        // Each image is encoded once, however many rows (dense, location, referring) use it.
        const images = imagesToTensor(sampleImages, modelImageSize(model));
        const out = pixelLlmLoss(model, head, promptEncoder, images, rows, {
          rowImage: sampleOf,
          tokenizer: ctx.tokenizer,
          maxLength: o.maxLength,
          pointLossWeight: o.pointLossWeight,
          referringPointLossWeight: o.referringPointLossWeight,
          pointUnits: o.pointUnits,
        });
        return {
          loss: out.loss,
          metrics: { caption_loss: out.captionLoss, point_loss: out.pointLoss, ...(out.directPointLoss ? { point_loss_direct: out.directPointLoss } : {}) },
        };
      });
    },
    evaluate: [
      {
        name: 'point_l1',
        async run(ctx) {
          const { head, promptEncoder } = modules(ctx);
          const m = await evaluateWordGrounding(vlmOf(ctx), head, promptEncoder, await evalSamples(ctx), {
            tokenizer: ctx.tokenizer,
            maxLength: o.maxLength,
            batchSize: o.eval.batchSize,
          });
          return { ...m };
        },
      },
      {
        name: 'referring',
        async run(ctx) {
          const { head, promptEncoder } = modules(ctx);
          const m = await evaluateReferring(vlmOf(ctx), head, promptEncoder, await evalSamples(ctx), {
            tokenizer: ctx.tokenizer,
            maxLength: o.maxLength,
            batchSize: o.eval.batchSize,
            prompt: o.referringPrompt,
            maxExpressions: o.eval.maxSamples * 4,
          });
          return { ...m };
        },
      },
      {
        name: 'location_caption',
        async run(ctx) {
          const { promptEncoder } = modules(ctx);
          const m = await evaluateLocationCaptions(vlmOf(ctx), promptEncoder, await evalSamples(ctx), {
            tokenizer: ctx.tokenizer,
            batchSize: o.eval.batchSize,
            maxNewTokens: o.eval.maxNewTokens,
          });
          return { ...m };
        },
      },
    ],
  });
}
