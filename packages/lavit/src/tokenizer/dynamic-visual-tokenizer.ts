import { Linear, Module, deriveSeed, tf, type ViT } from '@vlalign/core';
import { TokenSelector, type SelectorMask } from '../selector/token-selector.js';
import { keepRatioLoss, type KeepRatioScope } from '../selector/keep-ratio-loss.js';
import { TokenMerger } from '../merger/token-merger.js';
import { EmaCodebook } from '../quantizer/ema-codebook.js';
import { l2Normalize } from '../quantizer/l2-normalize.js';
import { commitmentLoss, quantizeStraightThrough } from '../quantizer/vector-quantize.js';
import { QueryDecoder, cosineReconstructionLoss } from '../decoder/query-decoder.js';
import { FeatureMean } from './feature-mean.js';
import { parseVisualTokenizerConfig, type ResolvedVisualTokenizerConfig, type VisualTokenizerConfig } from './tokenizer-config.js';

/** Per-call options of {@link DynamicVisualTokenizer.forward}. */
export interface TokenizerForwardOptions {
  /** Quantise the codes (stage 2) or pass the continuous unit vectors through (stage 1). */
  quantize: boolean;
  /** Seed of the selector's Gumbel noise (training mode only). Default 0. */
  seed?: number;
  /** Training-mode keep decision: `'gumbel'` (default) or `'threshold'` (the inference mask, straight-through). */
  mask?: SelectorMask;
}

/** Output of {@link DynamicVisualTokenizer.forward}; tensors belong to the caller's tidy. */
export interface TokenizerForwardOutput {
  /** `[B, N, 2]` selector log-probabilities. */
  logProbs: tf.Tensor3D;
  /** `[B, N]` keep mask (straight-through in training). */
  keep: tf.Tensor2D;
  /** Row-major `B * N` 0/1 decisions. */
  keepValues: Float32Array;
  /** `[B, N, codeDim]` L2-normalised encoder outputs. */
  zHat: tf.Tensor3D;
  /** `[B, N, codeDim]` what the decoder read: quantised codes (straight-through) or `zHat`. */
  codes: tf.Tensor3D;
  /** Row-major `B * N` nearest-code ids (when quantised). */
  indices?: Int32Array;
  /** `[B, N, featureDim]` reconstruction of every patch feature. */
  reconstruction: tf.Tensor3D;
}

/** Loss weights of {@link DynamicVisualTokenizer.loss}. */
export interface TokenizerLossWeights {
  /** Target keep ratio ρ. */
  keepRatio: number;
  /** λ, weight of the keep-ratio term. */
  keepRatioWeight: number;
  /** Whether each image's (default) or the batch's kept fraction is pulled to ρ (see `keepRatioLoss`). */
  keepRatioScope?: KeepRatioScope;
  /** β, weight of the commitment term (stage 2 only). */
  commitmentWeight: number;
}

/** The terms of the tokenizer loss (scalars in the caller's tidy). */
export interface TokenizerLossTerms {
  total: tf.Scalar;
  reconstruction: tf.Scalar;
  keepRatio: tf.Scalar;
  commitment?: tf.Scalar;
  /** Mean fraction of kept tokens. */
  keptFraction: tf.Scalar;
}

/**
 * LaVIT's dynamic discrete visual tokenizer over patch features `X` `[B, N, D]` from a (frozen) ViT:
 * `selector` (which patches to keep) -> `merger` (kept tokens absorb the dropped ones) ->
 * `encode_fc1`/`encode_fc2` (Linear, tanh, Linear to `codeDim`) -> L2 normalisation -> `codebook`
 * (cosine nearest code, EMA-updated) -> `decoder` (queries reconstruct all N features).
 *
 * Loss (LaVIT Eq. 4): `mean(1 - cos(X̂, X)) + λ (ρ - mean M)^2 + β ||sg(c) - ẑ||^2`. With
 * `centerFeatures`, `X` is replaced by `X − μ` everywhere (selector, merger, target).
 *
 * Attach the vision tower with {@link attachVision} to tokenise images (see `tokenizeImage`); it is
 * referenced, not owned (not a child: its weights are not this module's parameters).
 */
export class DynamicVisualTokenizer extends Module {
  readonly config: ResolvedVisualTokenizerConfig;
  private visionTower?: ViT;

  constructor(config: VisualTokenizerConfig) {
    super();
    const c = (this.config = parseVisualTokenizerConfig(config));
    const seed = c.seed;
    this.registerModule('selector', new TokenSelector(c.featureDim, { seed: deriveSeed(seed, 'selector'), threshold: c.threshold, tau: c.tau, minTokens: c.minTokens }));
    this.registerModule('merger', new TokenMerger(c.featureDim, { layers: c.mergerLayers, heads: c.heads, seed: deriveSeed(seed, 'merger') }));
    this.registerModule('encode_fc1', new Linear(c.featureDim, c.featureDim, { seed: deriveSeed(seed, 'encode_fc1') }));
    this.registerModule('encode_fc2', new Linear(c.featureDim, c.codeDim, { seed: deriveSeed(seed, 'encode_fc2') }));
    this.registerModule('codebook', new EmaCodebook(c.codebookSize, c.codeDim, { decay: c.emaDecay, deadCodeSteps: c.deadCodeSteps, seed: deriveSeed(seed, 'codebook') }));
    this.registerModule('decoder', new QueryDecoder(c.numPatches, c.codeDim, c.featureDim, { width: c.decoderWidth, layers: c.decoderLayers, heads: c.heads, positions: c.codePositions, seed: deriveSeed(seed, 'decoder') }));
    if (c.centerFeatures) this.registerModule('feature_mean', new FeatureMean(c.numPatches, c.featureDim));
  }

  /** The per-position mean feature (only with `centerFeatures`). */
  get featureMean(): FeatureMean | undefined {
    return this.config.centerFeatures ? (this.getModule('feature_mean') as FeatureMean) : undefined;
  }

  /** Adds `features` `[B, N, D]` to the per-position mean (no-op without `centerFeatures`). */
  accumulateFeatureMean(features: tf.Tensor3D): void {
    this.featureMean?.accumulate(features);
  }

  /**
   * What the tokenizer works on: `features − μ` with `centerFeatures`, else `features` itself.
   * This is also the reconstruction target. Call inside a tidy.
   */
  center(features: tf.Tensor3D): tf.Tensor3D {
    const fm = this.featureMean;
    return fm ? fm.center(features) : features;
  }

  get selector(): TokenSelector {
    return this.getModule('selector') as TokenSelector;
  }
  get merger(): TokenMerger {
    return this.getModule('merger') as TokenMerger;
  }
  get codebook(): EmaCodebook {
    return this.getModule('codebook') as EmaCodebook;
  }
  get decoder(): QueryDecoder {
    return this.getModule('decoder') as QueryDecoder;
  }

  /** Uses `vit` (its `forward(images).tokens`) as the feature source of `tokenizeImage`. */
  attachVision(vit: ViT): this {
    if (vit.numPatches !== this.config.numPatches || vit.config.width !== this.config.featureDim) {
      throw new Error(`DynamicVisualTokenizer.attachVision: the ViT gives ${vit.numPatches} patches of width ${vit.config.width}, the tokenizer expects ${this.config.numPatches} of width ${this.config.featureDim}`);
    }
    this.visionTower = vit;
    return this;
  }

  /** The attached vision tower (throws when none is attached). */
  get vision(): ViT {
    if (!this.visionTower) throw new Error('DynamicVisualTokenizer: no vision tower attached; call attachVision(vit) first');
    return this.visionTower;
  }

  /** `[B, N, D]` -> L2-normalised `[B, N, codeDim]` (encoder head on merged tokens). */
  encode(merged: tf.Tensor3D): tf.Tensor3D {
    const lin = (name: string, v: tf.Tensor) => (this.getModule(name) as Linear).forward(v);
    return tf.tidy(() => l2Normalize(lin('encode_fc2', tf.tanh(lin('encode_fc1', merged)))) as tf.Tensor3D);
  }

  /**
   * Runs select -> merge -> encode -> (quantise) -> decode on features `[B, N, D]`. Call inside a
   * tidy (or a gradient tape); read `keepValues`/`indices` for the discrete outputs.
   */
  forward(features: tf.Tensor3D, options: TokenizerForwardOptions): TokenizerForwardOutput {
    const [b, n, d] = features.shape;
    if (d !== this.config.featureDim || n !== this.config.numPatches) {
      throw new Error(`DynamicVisualTokenizer.forward: expected features [B, ${this.config.numPatches}, ${this.config.featureDim}], got [${features.shape}]`);
    }
    const x = this.center(features);
    const { logProbs, keep, keepValues } = this.selector.forward(x, options.seed ?? 0, options.mask);
    const merged = this.merger.forward(x, keep);
    const zHat = this.encode(merged);
    let codes = zHat;
    let indices: Int32Array | undefined;
    if (options.quantize) {
      const c = this.config.codeDim;
      const flat = tf.reshape(zHat, [b * n, c]) as tf.Tensor2D;
      const q = this.codebook.quantize(flat);
      indices = q.indices.dataSync() as Int32Array;
      codes = tf.reshape(quantizeStraightThrough(flat, q.quantized), [b, n, c]) as tf.Tensor3D;
      q.indices.dispose();
    }
    const reconstruction = this.decoder.forward(codes, keep, keepValues);
    return { logProbs, keep, keepValues, zHat, codes, indices, reconstruction };
  }

  /**
   * The loss terms for an output of {@link forward} against the (raw) features it was given; with
   * `centerFeatures` the reconstruction target is `features − μ`.
   */
  loss(out: TokenizerForwardOutput, target: tf.Tensor3D, weights: TokenizerLossWeights): TokenizerLossTerms {
    return tf.tidy(() => {
      const reconstruction = cosineReconstructionLoss(out.reconstruction, this.center(target));
      const ratio = keepRatioLoss(out.keep, weights.keepRatio, weights.keepRatioScope);
      let total = tf.add(reconstruction, tf.mul(ratio, weights.keepRatioWeight)) as tf.Scalar;
      let commitment: tf.Scalar | undefined;
      if (out.indices) {
        const [b, n, c] = out.zHat.shape;
        const flatZ = tf.reshape(out.zHat, [b * n, c]) as tf.Tensor2D;
        const codes = tf.gather(this.codebook.weight, tf.tensor1d(out.indices, 'int32')) as tf.Tensor2D;
        commitment = commitmentLoss(flatZ, codes, tf.tensor1d(out.keepValues));
        total = tf.add(total, tf.mul(commitment, weights.commitmentWeight)) as tf.Scalar;
      }
      const keptFraction = tf.mean(tf.tensor1d(out.keepValues)) as tf.Scalar;
      return { total, reconstruction, keepRatio: ratio, commitment, keptFraction };
    });
  }

  /**
   * Decodes visual ids (codebook indices of one image, in order) to reconstructed patch features
   * `[N, D]` (the input of LaVIT's diffusion detokenizer; here, of probes and metrics). With
   * `centerFeatures` these reconstruct the centred features `X − μ` (in direction: the loss is a cosine).
   *
   * `patches` are the kept tokens' patch indices (`ImageTokens.patches` from `tokenizeFeatures`),
   * strictly increasing, one per id. With `codePositions: 'patch'` they are required (the decoder
   * places each code at its patch); with `'rank'` they do not change the result and may be left out.
   */
  decodeIds(ids: readonly number[], patches?: readonly number[]): tf.Tensor2D {
    const { numPatches: n, codebookSize: k, codeDim: c } = this.config;
    if (patches === undefined && this.config.codePositions === 'patch') {
      throw new Error("decodeIds: this tokenizer places codes by patch (codePositions: 'patch'); pass the ids' patch indices (ImageTokens.patches)");
    }
    const use = ids.slice(0, n);
    for (const id of use) if (!Number.isInteger(id) || id < 0 || id >= k) throw new Error(`decodeIds: visual id ${id} outside [0, ${k})`);
    const rows = patches ? Array.from(patches) : use.map((_, i) => i);
    if (patches && patches.length !== ids.length) throw new Error(`decodeIds: ${ids.length} ids but ${patches.length} patch indices`);
    rows.forEach((p, i) => {
      if (!Number.isInteger(p) || p < 0 || p >= n) throw new Error(`decodeIds: patch index ${p} outside [0, ${n})`);
      if (i > 0 && p <= rows[i - 1]) throw new Error('decodeIds: patch indices must be strictly increasing (raster order)');
    });
    return tf.tidy(() => {
      const keepValues = new Float32Array(n);
      // Row p of the decoder input takes code i of the id kept at patch p; the rest the zero row.
      const codeRows = new Int32Array(n).fill(use.length);
      rows.forEach((p, i) => {
        keepValues[p] = 1;
        codeRows[p] = i;
      });
      // Zero rows are masked out by the decoder.
      const table = tf.concat([use.length ? tf.gather(this.codebook.weight, tf.tensor1d(use, 'int32')) : tf.zeros([0, c]), tf.zeros([1, c])], 0);
      const codes = tf.gather(table, tf.tensor1d(codeRows, 'int32'));
      const out = this.decoder.forward(tf.reshape(codes, [1, n, c]) as tf.Tensor3D, tf.tensor2d(keepValues, [1, n]), keepValues);
      return tf.reshape(out, [n, this.config.featureDim]) as tf.Tensor2D;
    });
  }
}
