import { Embedding, Linear, Module, deriveSeed, tf, type Box, type VisionLanguageModel } from '@vlalign/core';
import { fourierFeatures } from './fourier-features.js';
import { rowVisualTokens } from '../inference/row-visual-tokens.js';
import { cellCentres } from '../inference/token-grid.js';

/** Options of {@link LocationPromptEncoder}. */
export interface LocationPromptEncoderOptions {
  /** Fourier frequencies per point (features = 2 × this). Default 32. */
  frequencies?: number;
  /** Standard deviation of the fixed Gaussian frequency matrix (SAM uses 1). Default 1. */
  scale?: number;
  /** Seed of the frequency matrix and of the learned layers. Default 0. */
  seed?: number;
  /**
   * Add a dense positional encoding to the VLM's visual tokens: each patch centre encoded by the
   * SAME Fourier features and projection as the prompt corners (SAM's `get_dense_pe`, which
   * PixelLLM's SAM-based prompt feature extractor adds to the image embeddings). A box prompt and
   * the patches it covers then share one coordinate code, so the LM can match them by attention,
   * and a word's feature that attends to an object carries the object's coordinates for the
   * point head. The encoding enters through a learned scalar gate initialised at 0
   * (`dense_pe_gate`, as Flamingo's zero-initialised gates), so training starts from the VLM's own
   * tokens: added at full strength from step 0 it made captioning far worse (measured: caption CE
   * 0.58 vs 0.32 at step 1000 of `examples/pixelllm.yaml`). Default false (the visual tokens are
   * the VLM's own).
   */
  densePositions?: boolean;
}

/** A location prompt: a box `[x0, y0, x1, y1]` or a point `[x, y]`, normalised to [0, 1]. */
export type LocationPrompt = Box | [number, number];

/** Corner / point types, the rows of `type_embed`. */
const TOP_LEFT = 0;
const BOTTOM_RIGHT = 1;
const POINT = 2;
const NOT_A_POINT = 3;

/** The whole image as a box prompt: with it the model captions the whole image (PixelLLM's default prompt). */
export const WHOLE_IMAGE_BOX: Box = [0, 0, 1, 1];

/**
 * PixelLLM's location prompt encoder, in the SAM style: a box is encoded as its two corners, each
 * corner as random Fourier features of its coordinates (fixed Gaussian frequencies, stored as the
 * frozen parameter `gaussian` so checkpoints carry it) projected to the LM width by `proj`, plus a
 * learned corner-type embedding (`type_embed`: top-left, bottom-right, point, not-a-point). A
 * point prompt gives a `point` token and a `not-a-point` padding token (SAM's padding), so every
 * prompt is exactly {@link LocationPromptEncoder.tokens} = 2 tokens.
 *
 * The tokens go to `VisionLanguageModel.forward({ extraPrefix })` / `generate({ extraPrefix })`,
 * after the visual tokens. There the LM's own causal attention lets them read the visual tokens
 * and the text read them — a simplification of PixelLLM's separate two-way-transformer prompt
 * feature extractor (32 output tokens), which this package leaves to the LM's layers.
 *
 * Prompting with {@link WHOLE_IMAGE_BOX} is ordinary captioning (as PixelLLM does for global
 * captions).
 */
export class LocationPromptEncoder extends Module {
  readonly width: number;
  readonly frequencies: number;
  /** Prefix tokens per prompt. */
  readonly tokens = 2;
  /** Whether {@link LocationPromptEncoder.visualTokens} adds the dense positional encoding. */
  readonly densePositions: boolean;
  private readonly gaussian: tf.Variable;
  private readonly densePeGate?: tf.Variable;

  constructor(width: number, options: LocationPromptEncoderOptions = {}) {
    super();
    if (!Number.isInteger(width) || width <= 0) throw new Error(`LocationPromptEncoder: width must be a positive integer, got ${width}`);
    this.width = width;
    this.frequencies = options.frequencies ?? 32;
    if (!Number.isInteger(this.frequencies) || this.frequencies <= 0) throw new Error(`LocationPromptEncoder: option "frequencies" must be a positive integer, got ${this.frequencies}`);
    const seed = options.seed ?? 0;
    this.densePositions = options.densePositions ?? false;
    this.gaussian = this.registerParameter('gaussian', tf.randomNormal([2, this.frequencies], 0, options.scale ?? 1, 'float32', deriveSeed(seed, 'gaussian')), { frozen: true, noDecay: true });
    this.registerModule('proj', new Linear(2 * this.frequencies, width, { seed: deriveSeed(seed, 'proj') }));
    if (this.densePositions) this.densePeGate = this.registerParameter('dense_pe_gate', tf.zeros([1]), { noDecay: true });
    this.registerModule('type_embed', new Embedding(4, width, { seed: deriveSeed(seed, 'type') }));
  }

  /**
   * Encodes one prompt per row.
   * @param prompts boxes `[x0, y0, x1, y1]` or points `[x, y]`, normalised (may be mixed).
   * @returns `[B, 2, width]` prefix tokens.
   */
  forward(prompts: readonly LocationPrompt[]): tf.Tensor3D {
    if (prompts.length === 0) throw new Error('LocationPromptEncoder.forward: got no prompts');
    const coords: number[] = [];
    const types: number[] = [];
    const valid: number[] = [];
    prompts.forEach((p, i) => {
      if (!Array.isArray(p) || (p.length !== 4 && p.length !== 2) || p.some((v) => !Number.isFinite(v))) {
        throw new Error(`LocationPromptEncoder.forward: prompts[${i}] must be a box [x0, y0, x1, y1] or a point [x, y] of finite normalised numbers, got ${JSON.stringify(p)}`);
      }
      if (p.length === 4) {
        if (p[2] < p[0] || p[3] < p[1]) throw new Error(`LocationPromptEncoder.forward: prompts[${i}] = [${p.join(', ')}] must have x0 <= x1 and y0 <= y1`);
        coords.push(p[0], p[1], p[2], p[3]);
        types.push(TOP_LEFT, BOTTOM_RIGHT);
        valid.push(1, 1);
      } else {
        coords.push(p[0], p[1], 0, 0);
        types.push(POINT, NOT_A_POINT);
        valid.push(1, 0);
      }
    });
    const b = prompts.length;
    return tf.tidy(() => {
      const feats = fourierFeatures(tf.tensor3d(coords, [b, 2, 2]), this.gaussian);
      // A padding slot carries only its type embedding, as SAM's not_a_point_embed.
      const pos = tf.mul((this.getModule('proj') as Linear).forward(feats), tf.tensor3d(valid, [b, 2, 1]));
      const type = (this.getModule('type_embed') as Embedding).forward(tf.tensor2d(types, [b, 2], 'int32'));
      return tf.add(pos, type) as tf.Tensor3D;
    });
  }

  /**
   * `[grid², width]` dense positional encoding of a `grid × grid` token map in raster order (row
   * by row, as the ViT flattens its patches): the projected Fourier features of each cell centre
   * `((col + ½) / grid, (row + ½) / grid)` — the same code a point prompt at that centre gets,
   * without the corner-type embedding.
   */
  densePositionalEncoding(grid: number): tf.Tensor2D {
    if (!Number.isInteger(grid) || grid <= 0) throw new Error(`LocationPromptEncoder.densePositionalEncoding: grid must be a positive integer, got ${grid}`);
    return tf.tidy(() => (this.getModule('proj') as Linear).forward(fourierFeatures(tf.tensor2d(cellCentres(grid), [grid * grid, 2]), this.gaussian)) as tf.Tensor2D);
  }

  /**
   * The visual tokens the VLM should see for these images: `rowVisualTokens(model, images, rowImage)`
   * (each image encoded once, gathered to one row per text row), plus
   * `dense_pe_gate ×` {@link LocationPromptEncoder.densePositionalEncoding} when `densePositions` is on.
   * Returns undefined when neither applies (the VLM then encodes `images` itself).
   *
   * @param images `[N, S, S, 3]` distinct images.
   * @param rowImage image index per text row (default: row i uses image i).
   */
  visualTokens(model: VisionLanguageModel, images: tf.Tensor4D, rowImage?: readonly number[]): tf.Tensor3D | undefined {
    if (!this.densePositions && !rowImage) return undefined;
    return tf.tidy(() => {
      const tokens = rowVisualTokens(model, images, rowImage);
      if (!this.densePositions) return tokens;
      const n = tokens.shape[1];
      const grid = Math.round(Math.sqrt(n));
      if (grid * grid !== n) throw new Error(`LocationPromptEncoder.visualTokens: densePositions needs a square token grid, got ${n} visual tokens`);
      if (tokens.shape[2] !== this.width) throw new Error(`LocationPromptEncoder.visualTokens: visual tokens are ${tokens.shape[2]} wide, the encoder ${this.width}`);
      return tf.add(tokens, tf.mul(this.densePeGate!, this.densePositionalEncoding(grid))) as tf.Tensor3D;
    });
  }
}
