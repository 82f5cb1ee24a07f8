import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../nn/module.js';
import { MLP } from '../nn/mlp.js';
import { deriveSeed } from '../nn/seed.js';
import type { ModelCapability } from '../train/plugin.js';
import { parseConfig, vlmConfigSchema, type ResolvedVisionLanguageModelConfig, type VisionLanguageModelConfig } from './config.js';
import { ViT, type ModelInitOptions } from './vit.js';
import { CausalLM } from './causal-lm.js';
import { generateTokens, type GenerateOptions, type GenerateResult } from './generate.js';

/** Inputs of {@link VisionLanguageModel.forward}. */
export interface VLMForwardInputs {
  /** `[B, imageSize, imageSize, 3]` images scaled as by `imagesToTensor`. */
  images: tf.Tensor4D;
  /** `[B, T]` int32 text ids: `[BOS, caption..., EOS, PAD...]`. */
  inputIds: tf.Tensor2D;
  /** `[B, T]` 0/1 mask of valid text tokens (default all 1). */
  attentionMask?: tf.Tensor2D;
  /**
   * Keep the visual positions but hide them from every query, so the text logits cannot depend on
   * the image (CAL's image-less pass). The vision tower is skipped.
   */
  withoutImage?: boolean;
  /** `[B, E, width]` extra embeddings placed after the visual tokens (not marked visual). */
  extraPrefix?: tf.Tensor3D;
  /**
   * `[B, Nv, width]` visual tokens to use instead of `encodeImages(images)` (`images` is then not
   * read, and may hold fewer images than rows). Lets a caller encode each image once and reuse the tokens across
   * several text rows, or add something to them (e.g. a dense positional encoding) before the LM.
   * Gradients flow into whatever produced them.
   */
  visualTokens?: tf.Tensor3D;
}

/** Output of {@link VisionLanguageModel.forward}. */
export interface VLMForwardOutput {
  /** `[B, T, vocabSize]` logits at the text positions only. */
  logits: tf.Tensor3D;
  /** `[B, T, width]` final-LayerNorm LM features at the text positions (input of `lm_head`). */
  hidden: tf.Tensor3D;
  /** `[B, P + T]` 0/1, 1 on the visual-token positions of the full LM sequence. */
  visualTokenMask: tf.Tensor2D;
  /** P: visual tokens + extra prefix tokens before the text. */
  numPrefixTokens: number;
}

/** Options of {@link VisionLanguageModel.generate}. */
export interface VLMGenerateOptions extends GenerateOptions {
  /** Text prompts per image (default `[[bosId]]` for every image). */
  prompt?: number[][];
  /** Default prompt token. Default 1 (the built-in tokenizers' BOS). */
  bosId?: number;
  /** `[B, E, width]` extra embeddings after the visual tokens (as in `forward`). */
  extraPrefix?: tf.Tensor3D;
  /** `[B, Nv, width]` visual tokens to use instead of `encodeImages(images)` (as in `forward`). */
  visualTokens?: tf.Tensor3D;
}

/**
 * A LLaVA-style vision-language model: the `vision` ViT's patch features go through the `projector`
 * MLP into the LM's width and are placed as a prefix before the text of the causal `lm`.
 * The LM's linear layers receive `{ visualMask }` so adapters can treat visual rows apart.
 */
export class VisionLanguageModel extends Module {
  readonly capabilities: readonly ModelCapability[] = ['vlm', 'lm', 'vision'];
  readonly config: ResolvedVisionLanguageModelConfig;

  constructor(config: VisionLanguageModelConfig, options: ModelInitOptions = {}) {
    super();
    const c = (this.config = parseConfig(vlmConfigSchema, config, 'VisionLanguageModel'));
    const seed = options.seed ?? 0;
    this.registerModule('vision', new ViT(c.vision, { seed: deriveSeed(seed, 'vision') }));
    this.registerModule('projector', new MLP(c.vision.width, c.projectorHidden ?? c.lm.width, { outDim: c.lm.width, seed: deriveSeed(seed, 'projector') }));
    this.registerModule('lm', new CausalLM(c.lm, { seed: deriveSeed(seed, 'lm') }));
    const nv = this.vision.numPatches;
    if (nv + 1 > c.lm.maxLength) throw new Error(`VisionLanguageModel: lm.maxLength (${c.lm.maxLength}) leaves no room for text after ${nv} visual tokens`);
  }

  get vision(): ViT {
    return this.getModule('vision') as ViT;
  }
  get projector(): MLP {
    return this.getModule('projector') as MLP;
  }
  get lm(): CausalLM {
    return this.getModule('lm') as CausalLM;
  }

  /** Visual tokens per image. */
  get numVisualTokens(): number {
    return this.vision.numPatches;
  }

  /** Projected visual tokens `[B, Nv, lmWidth]`. */
  encodeImages(images: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => this.projector.forward(this.vision.forward(images).tokens) as tf.Tensor3D);
  }

  private checkVisualTokens(v: tf.Tensor | undefined, b: number, where: string): void {
    const want = [b, this.numVisualTokens, this.config.lm.width];
    if (v && (v.rank !== 3 || v.shape.some((d, i) => d !== want[i]))) {
      throw new Error(`VisionLanguageModel.${where}: visualTokens must be [${want}] (batch, visual tokens, lm width), got [${v.shape}]`);
    }
  }

  /** Runs image + text; see {@link VLMForwardInputs} and {@link VLMForwardOutput}. */
  forward(inputs: VLMForwardInputs): VLMForwardOutput {
    const { images, inputIds, attentionMask, withoutImage, extraPrefix, visualTokens } = inputs;
    const [b, t] = inputIds.shape;
    if (!visualTokens && images.shape[0] !== b) throw new Error(`VisionLanguageModel.forward: ${images.shape[0]} images for ${b} text rows`);
    if (attentionMask && (attentionMask.rank !== 2 || attentionMask.shape[0] !== b || attentionMask.shape[1] !== t)) {
      throw new Error(`VisionLanguageModel.forward: attentionMask must be [${b}, ${t}] like inputIds, got [${attentionMask.shape}]`);
    }
    const width = this.config.lm.width;
    if (extraPrefix && (extraPrefix.rank !== 3 || extraPrefix.shape[0] !== b || extraPrefix.shape[2] !== width)) {
      throw new Error(`VisionLanguageModel.forward: extraPrefix must be [${b}, E, ${width}], got [${extraPrefix.shape}]`);
    }
    const nv = this.numVisualTokens;
    this.checkVisualTokens(visualTokens, b, 'forward');
    const p = nv + (extraPrefix ? extraPrefix.shape[1] : 0);
    return tf.tidy(() => {
      // Without the image the visual positions are hidden from every query, so their content is
      // irrelevant: zeros save the vision tower and make the independence from pixels evident.
      const visual = withoutImage ? tf.zeros([b, nv, width]) : (visualTokens ?? this.encodeImages(images));
      const prefix = extraPrefix ? tf.concat([visual, extraPrefix], 1) : visual;
      const visualTokenMask = tf.concat([tf.ones([b, nv]), tf.zeros([b, t + p - nv])], 1) as tf.Tensor2D;
      const textMask = attentionMask ? tf.cast(attentionMask, 'float32') : tf.ones([b, t]);
      const keyMask = tf.concat([withoutImage ? tf.zeros([b, nv]) : tf.ones([b, nv]), ...(p > nv ? [tf.ones([b, p - nv])] : []), textMask], 1);
      const { logits, hidden } = this.lm.forward(inputIds, { prefix, attentionMask: keyMask, visualMask: visualTokenMask, outputStart: p });
      return { logits, hidden, visualTokenMask, numPrefixTokens: p };
    });
  }

  /**
   * Captions (or answers about) images autoregressively with a KV cache. Greedy by default; see
   * {@link VLMGenerateOptions}. All tensors are released before the promise resolves.
   */
  async generate(images: tf.Tensor4D, options: VLMGenerateOptions): Promise<GenerateResult> {
    const b = images.shape[0];
    const prompts = options.prompt ?? Array.from({ length: b }, () => [options.bosId ?? 1]);
    if (prompts.length !== b) throw new Error(`VisionLanguageModel.generate: ${prompts.length} prompts for ${b} images`);
    this.checkVisualTokens(options.visualTokens, b, 'generate');
    const wasTraining = this.training;
    this.eval();
    const embeddings = tf.tidy(() => {
      const visual = options.visualTokens ? tf.clone(options.visualTokens) : this.encodeImages(images);
      return (options.extraPrefix ? tf.concat([visual, options.extraPrefix], 1) : visual) as tf.Tensor3D;
    });
    try {
      return await generateTokens(this.lm, prompts, options, { embeddings, visualTokens: this.numVisualTokens });
    } finally {
      embeddings.dispose();
      this.train(wasTraining);
    }
  }
}
