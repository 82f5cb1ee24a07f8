import { LayerNorm, Linear, Module, deriveSeed, gelu, stopGradient, tf } from '@vlalign/core';
import { VisualPointReadout } from './visual-readout.js';

/** Options of {@link PointHead}. */
export interface PointHeadOptions {
  /**
   * Width of the hidden layers. Default {@link defaultPointHeadHidden}(`width`): the paper's BERT
   * head uses 512 on 768-wide features, so the default keeps that 2/3 ratio (rounded up to a
   * multiple of 8, at least 16): 48 for a 64-wide LM, 88 for 128, 512 for 768.
   */
  hidden?: number;
  /** Hidden Linear + GELU layers before the output layer. Default 3 (the paper's MLP depth 4). */
  depth?: number;
  /** Points per token. Default 2: the top-left and bottom-right corners of the word's box. */
  points?: number;
  /** Seed of the initialisation. Default 0. */
  seed?: number;
  /**
   * How the head reads a location. `'mlp'` (default): PixelLLM's MLP on the token feature alone.
   * `'visual-attention'`: per point, the token feature attends over the row's visual tokens; the
   * point is the attention's expected patch centre plus an offset from the MLP, which sees the token
   * feature and the attended visual features. `forward` then needs the visual tokens. The offset
   * layer starts at zero, so an untrained head predicts the attention centres.
   */
  readout?: 'mlp' | 'visual-attention';
  /**
   * With the `'visual-attention'` readout: also keep PixelLLM's MLP-on-the-word-feature prediction
   * (parameters `direct.*`) and train it on the same targets (`forwardWithDirect`); inference uses
   * the readout's points. Default true. Why: it keeps PixelLLM's own signal on the LM features (each
   * word's feature must say where the word is), which the readout alone asks less of. Not measured
   * on its own with the default stop-gradient (the README's readout results have it on).
   */
  directAuxiliary?: boolean;
  /**
   * With the `'visual-attention'` readout: whether the point loss flows back into the visual tokens
   * through the readout's keys and values. Default false: the readout reads the visual tokens as
   * they are (stop-gradient), so only the word features (the query) and the readout learn from it,
   * and the vision tower is shaped by the other losses. Why: with the gradient flowing, captioning
   * stalled (caption CE 0.65 vs 0.35 at step 1000 on the shapes world; README).
   */
  readoutGradToVisual?: boolean;
}

/** PixelLLM's hidden width for an LM of width `width`: `ceil(width · 512/768 / 8) · 8`, at least 16. */
export function defaultPointHeadHidden(width: number): number {
  return Math.max(16, Math.ceil((width * 512) / 768 / 8) * 8);
}

/**
 * Flax's `nn.Dense` default (LeCun normal, variance 1 / fan-in), which the original head uses. The
 * transformer default (std 0.02) would shrink the signal ~10x per layer through this residual-free
 * MLP and stall its training (measured: point L1 on fixed features fell 6.4 -> 4.3 px in 150 steps
 * with std 0.02; see the README).
 */
function lecunStd(fanIn: number): number {
  return 1 / Math.sqrt(fanIn);
}

/**
 * PixelLLM's per-token location head (scenic `MlpPointPredictor` with `pre_norm`): LayerNorm (eps
 * 1e-6), then `depth` × (Linear → GELU), then Linear to `2 · points` values, read as `points`
 * (x, y) pairs.
 *
 * **Input:** the language model's per-token features *before the vocabulary projection* (the
 * `hidden` output of `VisionLanguageModel.forward`), never the visual features.
 *
 * **Alignment:** the feature at text position `t` (the position that *holds* token `t`) predicts
 * token `t`'s points, while the logits there predict token `t + 1`. With `captionBatch`'s
 * `inputIds = [BOS, w1, …, wn, EOS]`, position `i` (holding `w_i`) gives `w_i`'s box, and the BOS
 * and EOS positions carry no target.
 *
 * **Coordinates:** plain regression as in the original code: the raw output `p` is mapped by
 * `u = (p + 1) / 2` to normalised image coordinates (0 = left/top edge, 1 = right/bottom edge),
 * **without** a sigmoid or a clamp, so the L1 loss keeps a full gradient at the image border and a
 * freshly initialised head predicts points scattered around the image centre. Callers that need a valid
 * box clamp to [0, 1] (see `pointsToBox`). Multiply by the image size for pixels. The original
 * head emits 4 values per point of which 2 are unused "class logits"; this one emits only the 2
 * coordinates. Linear layers use LeCun-normal init (std 1/√fan-in), Flax `nn.Dense`'s default
 * in the original.
 *
 * Parameters: `norm.*`, `layer0.*` … `layer{depth-1}.*`, `out.*`.
 */
export class PointHead extends Module {
  readonly inFeatures: number;
  readonly hidden: number;
  readonly depth: number;
  readonly points: number;
  readonly readout: 'mlp' | 'visual-attention';
  readonly directAuxiliary: boolean;
  readonly readoutGradToVisual: boolean;

  constructor(inFeatures: number, options: PointHeadOptions = {}) {
    super();
    if (!Number.isInteger(inFeatures) || inFeatures <= 0) throw new Error(`PointHead: inFeatures must be a positive integer, got ${inFeatures}`);
    this.inFeatures = inFeatures;
    this.hidden = options.hidden ?? defaultPointHeadHidden(inFeatures);
    this.depth = options.depth ?? 3;
    this.points = options.points ?? 2;
    for (const [k, v] of [['hidden', this.hidden], ['points', this.points]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`PointHead: option "${k}" must be a positive integer, got ${v}`);
    }
    if (!Number.isInteger(this.depth) || this.depth < 0) throw new Error(`PointHead: option "depth" must be an integer >= 0, got ${this.depth}`);
    this.readout = options.readout ?? 'mlp';
    if (this.readout !== 'mlp' && this.readout !== 'visual-attention') throw new Error(`PointHead: option "readout" must be 'mlp' or 'visual-attention', got ${JSON.stringify(this.readout)}`);
    const seed = options.seed ?? 0;
    this.registerModule('norm', new LayerNorm(inFeatures, { eps: 1e-6 }));
    const attend = this.readout === 'visual-attention';
    if (attend) this.registerModule('readout', new VisualPointReadout(inFeatures, this.hidden, this.points, deriveSeed(seed, 'readout')));
    const mlpIn = attend ? inFeatures * (1 + this.points) : inFeatures;
    for (let i = 0; i < this.depth; i++) {
      const fanIn = i === 0 ? mlpIn : this.hidden;
      this.registerModule(`layer${i}`, new Linear(fanIn, this.hidden, { seed: deriveSeed(seed, 'layer', i), initStd: lecunStd(fanIn) }));
    }
    const fanIn = this.depth === 0 ? mlpIn : this.hidden;
    // The attention readout's offsets start at zero: the attention centres are the first guess.
    this.registerModule('out', new Linear(fanIn, 2 * this.points, { seed: deriveSeed(seed, 'out'), initStd: attend ? 0 : lecunStd(fanIn) }));
    this.directAuxiliary = attend && (options.directAuxiliary ?? true);
    this.readoutGradToVisual = options.readoutGradToVisual ?? false;
    if (this.directAuxiliary) {
      this.registerModule('direct', new PointHead(inFeatures, { hidden: this.hidden, depth: this.depth, points: this.points, seed: deriveSeed(seed, 'direct') }));
    }
  }

  /**
   * {@link PointHead.forward}, plus the auxiliary direct prediction when `directAuxiliary` is on
   * (`direct` is undefined otherwise). Training losses use both; inference uses `points`.
   */
  forwardWithDirect(hidden: tf.Tensor, visual?: tf.Tensor): { points: tf.Tensor; direct?: tf.Tensor } {
    const points = this.forward(hidden, visual);
    if (!this.directAuxiliary) return { points };
    return { points, direct: (this.getModule('direct') as PointHead).forward(hidden) };
  }

  /**
   * Points for every token.
   * @param hidden `[B, T, D]` LM features before the vocabulary projection (or `[N, D]`).
   * @param visual `[B, Nv, D]` (or `[N, Nv, D]`) the visual tokens of each row's image, as the VLM
   *   consumed them; required by the `'visual-attention'` readout, ignored by `'mlp'`.
   * @returns `[B, T, P, 2]` (or `[N, P, 2]`) normalised (x, y), not clamped.
   */
  forward(hidden: tf.Tensor, visual?: tf.Tensor): tf.Tensor {
    if ((hidden.rank !== 2 && hidden.rank !== 3) || hidden.shape[hidden.rank - 1] !== this.inFeatures) {
      throw new Error(`PointHead.forward: expected features [B, T, ${this.inFeatures}] or [N, ${this.inFeatures}], got [${hidden.shape}]`);
    }
    if (this.readout === 'mlp') {
      return tf.tidy(() => {
        let x = (this.getModule('norm') as LayerNorm).forward(hidden);
        for (let i = 0; i < this.depth; i++) x = gelu((this.getModule(`layer${i}`) as Linear).forward(x));
        const raw = (this.getModule('out') as Linear).forward(x);
        const u = tf.mul(tf.add(raw, 1), 0.5);
        return tf.reshape(u, [...hidden.shape.slice(0, -1), this.points, 2]);
      });
    }
    const rows = hidden.shape[0];
    if (!visual || visual.rank !== 3 || visual.shape[0] !== rows || visual.shape[2] !== this.inFeatures) {
      throw new Error(
        `PointHead.forward: the 'visual-attention' readout needs the rows' visual tokens [${rows}, Nv, ${this.inFeatures}], got ${visual ? `[${visual.shape}]` : 'none'}`,
      );
    }
    return tf.tidy(() => {
      const h3 = (hidden.rank === 2 ? tf.expandDims(hidden, 1) : hidden) as tf.Tensor3D;
      const q = (this.getModule('norm') as LayerNorm).forward(h3) as tf.Tensor3D;
      const v = (this.readoutGradToVisual ? visual : stopGradient(visual)) as tf.Tensor3D;
      const { centres, pooled } = (this.getModule('readout') as VisualPointReadout).forward(q, v);
      let x: tf.Tensor = tf.concat([q, pooled], -1);
      for (let i = 0; i < this.depth; i++) x = gelu((this.getModule(`layer${i}`) as Linear).forward(x));
      const offset = tf.mul((this.getModule('out') as Linear).forward(x), 0.5);
      const [b, t] = h3.shape;
      const points = tf.add(centres, tf.reshape(offset, [b, t, this.points, 2]));
      return hidden.rank === 2 ? tf.squeeze(points, [1]) : points;
    });
  }
}
