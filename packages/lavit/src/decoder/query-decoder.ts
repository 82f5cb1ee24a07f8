import { LayerNorm, Linear, MLP, Module, ModuleList, deriveSeed, tf, truncatedNormalInit } from '@vlalign/core';
import { MaskedAttention } from '../attention/masked-attention.js';

/** Options of {@link QueryDecoder}. */
export interface QueryDecoderOptions {
  /** Decoder width. Default: the feature width. */
  width?: number;
  /** Decoder blocks. Default 2 (LaVIT: 12). */
  layers?: number;
  /** Attention heads. Default 4. */
  heads?: number;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
  /**
   * Which position embedding each code gets: `'rank'` (LaVIT's `VQDecoder`: its rank in the kept
   * sequence) or `'patch'` (the patch index the kept token came from, so the decoder knows where
   * each code sits in the image). Default `'rank'`.
   */
  positions?: CodePositions;
}

/** How {@link QueryDecoder} places codes: by rank in the kept sequence, or by patch index. */
export type CodePositions = 'rank' | 'patch';

/** One decoder block: self-attention among the queries, cross-attention to the codes, MLP. */
class DecoderBlock extends Module {
  constructor(width: number, heads: number, seed: number) {
    super();
    this.registerModule('ln1', new LayerNorm(width));
    this.registerModule('attn', new MaskedAttention(width, heads, { seed: deriveSeed(seed, 'attn') }));
    this.registerModule('ln_cross', new LayerNorm(width));
    this.registerModule('cross_attn', new MaskedAttention(width, heads, { seed: deriveSeed(seed, 'cross_attn') }));
    this.registerModule('ln2', new LayerNorm(width));
    this.registerModule('mlp', new MLP(width, 4 * width, { seed: deriveSeed(seed, 'mlp') }));
  }

  forward(q: tf.Tensor3D, memory: tf.Tensor3D, allMask: tf.Tensor, memoryMask: tf.Tensor): tf.Tensor3D {
    const m = <T extends Module>(name: string) => this.getModule(name) as T;
    return tf.tidy(() => {
      let h = tf.add(q, m<MaskedAttention>('attn').forward(m<LayerNorm>('ln1').forward(q), allMask));
      h = tf.add(h, m<MaskedAttention>('cross_attn').forward(m<LayerNorm>('ln_cross').forward(h), memoryMask, memory));
      return tf.add(h, m<MLP>('mlp').forward(m<LayerNorm>('ln2').forward(h))) as tf.Tensor3D;
    });
  }
}

/**
 * LaVIT's `VQDecoder`: reconstructs all `N` patch features from the (variable-length) code
 * sequence. The codes are projected (`in_proj`) and get a learned position embedding `code_pos`
 * indexed by their rank in the kept sequence (LaVIT; `positions: 'rank'`) or, with
 * `positions: 'patch'`, by the patch index of the kept token; `N` learned queries (one per patch)
 * run blocks of self-attention, cross-attention to the codes (only kept rows: a multiplicative,
 * differentiable key mask) and an MLP; then `norm` and `out_proj` (Linear -> tanh -> Linear).
 *
 * Children: `in_proj`, `blocks.<i>`, `norm`, `out_fc1`, `out_fc2`; parameters `queries` `[N, W]`,
 * `code_pos` `[N, W]`.
 */
export class QueryDecoder extends Module {
  readonly numPatches: number;
  readonly codeDim: number;
  readonly featureDim: number;
  readonly width: number;
  readonly positions: CodePositions;
  readonly queries: tf.Variable;
  readonly code_pos: tf.Variable;
  readonly blocks: ModuleList<DecoderBlock>;

  constructor(numPatches: number, codeDim: number, featureDim: number, options: QueryDecoderOptions = {}) {
    super();
    const seed = options.seed ?? 0;
    const w = (this.width = options.width ?? featureDim);
    this.numPatches = numPatches;
    this.codeDim = codeDim;
    this.featureDim = featureDim;
    this.positions = options.positions ?? 'rank';
    if (this.positions !== 'rank' && this.positions !== 'patch') throw new Error(`QueryDecoder: positions must be 'rank' or 'patch', got ${String(this.positions)}`);
    this.registerModule('in_proj', new Linear(codeDim, w, { seed: deriveSeed(seed, 'in_proj') }));
    this.queries = this.registerParameter('queries', truncatedNormalInit([numPatches, w], deriveSeed(seed, 'queries')), { noDecay: true });
    this.code_pos = this.registerParameter('code_pos', truncatedNormalInit([numPatches, w], deriveSeed(seed, 'code_pos')), { noDecay: true });
    this.blocks = this.registerModule('blocks', new ModuleList<DecoderBlock>());
    for (let i = 0; i < (options.layers ?? 2); i++) this.blocks.push(new DecoderBlock(w, options.heads ?? 4, deriveSeed(seed, 'blocks', i)));
    this.registerModule('norm', new LayerNorm(w));
    this.registerModule('out_fc1', new Linear(w, w, { seed: deriveSeed(seed, 'out_fc1') }));
    this.registerModule('out_fc2', new Linear(w, featureDim, { seed: deriveSeed(seed, 'out_fc2') }));
  }

  /**
   * @param codes `[B, N, codeDim]` code vectors in patch order (row `i` = patch `i`; dropped rows are ignored)
   * @param keep `[B, N]` keep mask (1 = a code of this image)
   * @param keepValues row-major `B * N` 0/1 decisions (to compute each code's rank; with
   *   `positions: 'patch'` the row index is the position)
   * @returns `[B, N, featureDim]` reconstructed patch features
   */
  forward(codes: tf.Tensor3D, keep: tf.Tensor2D, keepValues: ArrayLike<number>): tf.Tensor3D {
    const [b, n, c] = codes.shape;
    if (c !== this.codeDim || n > this.numPatches) throw new Error(`QueryDecoder: expected codes [B, <=${this.numPatches}, ${this.codeDim}], got [${codes.shape}]`);
    const ranks = new Int32Array(b * n);
    for (let r = 0; r < b; r++) {
      let k = 0;
      for (let i = 0; i < n; i++) {
        ranks[r * n + i] = this.positions === 'patch' ? i : Math.min(k, this.numPatches - 1);
        if (keepValues[r * n + i] > 0.5) k++;
      }
    }
    const lin = (name: string, v: tf.Tensor) => (this.getModule(name) as Linear).forward(v);
    return tf.tidy(() => {
      const pos = tf.reshape(tf.gather(this.code_pos, tf.tensor1d(ranks, 'int32')), [b, n, this.width]);
      const memory = tf.add(lin('in_proj', codes), pos) as tf.Tensor3D;
      const memoryMask = tf.reshape(keep, [b, 1, 1, n]);
      const allMask = tf.ones([1, 1, 1, this.numPatches]);
      let q = tf.tile(tf.reshape(this.queries, [1, this.numPatches, this.width]), [b, 1, 1]) as tf.Tensor3D;
      for (const block of this.blocks) q = block.forward(q, memory, allMask, memoryMask);
      const h = (this.getModule('norm') as LayerNorm).forward(q);
      return lin('out_fc2', tf.tanh(lin('out_fc1', h))) as tf.Tensor3D;
    });
  }
}

/**
 * LaVIT's reconstruction loss `mean_{b,i} (1 - cos(x̂_bi, x_bi))` over every patch of every image.
 *
 * @param reconstructed `[B, N, D]`
 * @param target `[B, N, D]` (the frozen ViT features)
 */
export function cosineReconstructionLoss(reconstructed: tf.Tensor, target: tf.Tensor): tf.Scalar {
  if (reconstructed.shape.join() !== target.shape.join()) throw new Error(`cosineReconstructionLoss: shapes differ: [${reconstructed.shape}] vs [${target.shape}]`);
  return tf.tidy(() => tf.mean(tf.sub(1, cosineSimilarity(reconstructed, target))) as tf.Scalar);
}

/** Cosine similarity along the last axis (`[..., D]` -> `[...]`), with norms clamped at 1e-8 like `F.cosine_similarity`. */
export function cosineSimilarity(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const axis = a.rank - 1;
    const dot = tf.sum(tf.mul(a, b), axis);
    return tf.div(dot, tf.mul(tf.maximum(tf.norm(a, 'euclidean', axis), 1e-8), tf.maximum(tf.norm(b, 'euclidean', axis), 1e-8)));
  });
}
