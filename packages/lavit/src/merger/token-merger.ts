import { LayerNorm, MLP, Module, ModuleList, deriveSeed, tf } from '@vlalign/core';
import { MaskedAttention } from '../attention/masked-attention.js';
import { causalKeptMask, droppedKeyMask } from './merger-masks.js';

/** Options of {@link TokenMerger}. */
export interface TokenMergerOptions {
  /** Number of merger blocks. Default 2 (LaVIT: 12). */
  layers?: number;
  /** Attention heads. Default 4. */
  heads?: number;
  /** MLP hidden width. Default `4 * dim`. */
  mlpHidden?: number;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

/** One merger block: causal self-attention among kept tokens, cross-attention to dropped ones, MLP. */
export class MergerBlock extends Module {
  constructor(dim: number, heads: number, mlpHidden: number, seed: number) {
    super();
    this.registerModule('ln1', new LayerNorm(dim));
    this.registerModule('attn', new MaskedAttention(dim, heads, { seed: deriveSeed(seed, 'attn') }));
    this.registerModule('ln_cross', new LayerNorm(dim));
    this.registerModule('cross_attn', new MaskedAttention(dim, heads, { seed: deriveSeed(seed, 'cross_attn') }));
    this.registerModule('ln2', new LayerNorm(dim));
    this.registerModule('mlp', new MLP(dim, mlpHidden, { seed: deriveSeed(seed, 'mlp') }));
  }

  /**
   * @param x `[B, N, D]` running token states
   * @param source `[B, N, D]` the normalised original features (keys/values of the cross-attention)
   * @param selfMask `[B, 1, N, N]` from `causalKeptMask`
   * @param crossMask `[B, 1, 1, N]` from `droppedKeyMask`
   */
  forward(x: tf.Tensor3D, source: tf.Tensor3D, selfMask: tf.Tensor, crossMask: tf.Tensor): tf.Tensor3D {
    const m = <T extends Module>(name: string) => this.getModule(name) as T;
    return tf.tidy(() => {
      let h = tf.add(x, m<MaskedAttention>('attn').forward(m<LayerNorm>('ln1').forward(x), selfMask));
      h = tf.add(h, m<MaskedAttention>('cross_attn').forward(m<LayerNorm>('ln_cross').forward(h), crossMask, source));
      return tf.add(h, m<MLP>('mlp').forward(m<LayerNorm>('ln2').forward(h))) as tf.Tensor3D;
    });
  }
}

/**
 * LaVIT's token merger: kept tokens absorb the information of the dropped ones. Each block runs
 * (1) self-attention where kept tokens attend causally, in raster order, to earlier kept tokens;
 * (2) cross-attention from every token to the dropped tokens of the (LayerNorm-ed) original
 * features; (3) an MLP; all pre-LN with residuals. A final LayerNorm follows.
 *
 * Works in batch form: all `N` rows are computed and the `[B, N]` keep mask says which rows are
 * the output (dropped rows are to be ignored; `extractKept` pulls the variable-length sequences).
 * The masks are products with `keep`, so straight-through keep decisions get gradients.
 *
 * Children: `source_norm`, `blocks.<i>`, `norm`.
 */
export class TokenMerger extends Module {
  readonly dim: number;
  readonly blocks: ModuleList<MergerBlock>;

  constructor(dim: number, options: TokenMergerOptions = {}) {
    super();
    const seed = options.seed ?? 0;
    const heads = options.heads ?? 4;
    this.dim = dim;
    this.registerModule('source_norm', new LayerNorm(dim));
    this.blocks = this.registerModule('blocks', new ModuleList<MergerBlock>());
    for (let i = 0; i < (options.layers ?? 2); i++) this.blocks.push(new MergerBlock(dim, heads, options.mlpHidden ?? 4 * dim, deriveSeed(seed, 'blocks', i)));
    this.registerModule('norm', new LayerNorm(dim));
  }

  /**
   * @param features `[B, N, D]` patch features
   * @param keep `[B, N]` keep mask (1 keep, 0 drop)
   * @returns `[B, N, D]` merged states; rows with `keep = 0` are not part of the output
   */
  forward(features: tf.Tensor3D, keep: tf.Tensor2D): tf.Tensor3D {
    if (features.rank !== 3 || features.shape[2] !== this.dim) throw new Error(`TokenMerger: expected features [B, N, ${this.dim}], got [${features.shape}]`);
    if (keep.rank !== 2 || keep.shape[0] !== features.shape[0] || keep.shape[1] !== features.shape[1]) {
      throw new Error(`TokenMerger: keep must be [${features.shape[0]}, ${features.shape[1]}], got [${keep.shape}]`);
    }
    return tf.tidy(() => {
      const source = (this.getModule('source_norm') as LayerNorm).forward(features) as tf.Tensor3D;
      const selfMask = causalKeptMask(keep);
      const crossMask = droppedKeyMask(keep);
      let x = features;
      for (const block of this.blocks) x = block.forward(x, source, selfMask, crossMask);
      return (this.getModule('norm') as LayerNorm).forward(x) as tf.Tensor3D;
    });
  }
}

/**
 * The variable-length kept sequences of a batch: for image `b`, the rows `i` with
 * `keepValues[b * N + i] = 1`, in raster order.
 *
 * @param x `[B, N, D]`
 * @param keepValues row-major `B * N` 0/1 decisions
 * @returns one `[n_b, D]` tensor per image (n_b may be 0)
 */
export function extractKept(x: tf.Tensor3D, keepValues: ArrayLike<number>): tf.Tensor2D[] {
  const [b, n, d] = x.shape;
  if (keepValues.length !== b * n) throw new Error(`extractKept: expected ${b * n} keep values, got ${keepValues.length}`);
  return tf.tidy(() => {
    const flat = tf.reshape(x, [b * n, d]);
    const out: tf.Tensor2D[] = [];
    for (let r = 0; r < b; r++) {
      const rows: number[] = [];
      for (let i = 0; i < n; i++) if (keepValues[r * n + i] > 0.5) rows.push(r * n + i);
      out.push(rows.length ? (tf.gather(flat, tf.tensor1d(rows, 'int32')) as tf.Tensor2D) : tf.zeros([0, d]));
    }
    return out;
  });
}
