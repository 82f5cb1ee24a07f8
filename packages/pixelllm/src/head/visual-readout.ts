import { LayerNorm, Linear, Module, deriveSeed, tf } from '@vlalign/core';
import { cellCentres } from '../inference/token-grid.js';

/** {@link cellCentres} of a square map of `tokens` visual tokens (throws when it is not square). */
export function gridCentres(tokens: number): Float32Array {
  const grid = Math.round(Math.sqrt(tokens));
  if (grid * grid !== tokens) throw new Error(`PointHead: visual-attention readout needs a square token map, got ${tokens} visual tokens`);
  return cellCentres(grid);
}

/**
 * One attention read of the visual tokens per output point: the token feature is the query, the
 * (layer-normalised) visual tokens are the keys and values. Returns, per point, the attention's
 * expected cell centre (a soft-argmax over the token grid) and the attended visual feature.
 *
 * Why: a 64-wide LM has to squeeze "which object" and "exactly where" into one feature for the
 * MLP head; reading the position off the attention map gives the head the grid position
 * directly, and the attended feature carries the within-cell detail for the offset.
 *
 * Parameters: `visual_norm.*`, `query.*`, `key.*`.
 */
export class VisualPointReadout extends Module {
  readonly width: number;
  readonly keyWidth: number;
  readonly points: number;

  constructor(width: number, keyWidth: number, points: number, seed: number) {
    super();
    this.width = width;
    this.keyWidth = keyWidth;
    this.points = points;
    this.registerModule('visual_norm', new LayerNorm(width, { eps: 1e-6 }));
    this.registerModule('query', new Linear(width, points * keyWidth, { seed: deriveSeed(seed, 'query'), initStd: 1 / Math.sqrt(width) }));
    this.registerModule('key', new Linear(width, points * keyWidth, { seed: deriveSeed(seed, 'key'), initStd: 1 / Math.sqrt(width) }));
  }

  /**
   * @param queries `[B, T, D]` normalised token features.
   * @param visual `[B, Nv, D]` visual tokens of each row's image (`Nv` a square number).
   * @returns `centres` `[B, T, P, 2]` (expected cell centre per point) and `pooled` `[B, T, P·D]`.
   */
  forward(queries: tf.Tensor3D, visual: tf.Tensor3D): { centres: tf.Tensor; pooled: tf.Tensor } {
    const [b, t] = queries.shape;
    const nv = visual.shape[1];
    const { points: p, keyWidth: dk, width: d } = this;
    return tf.tidy(() => {
      const v = (this.getModule('visual_norm') as LayerNorm).forward(visual) as tf.Tensor3D;
      // [B, P, T, dk] and [B, P, Nv, dk]: one attention per point.
      const q = tf.transpose(tf.reshape((this.getModule('query') as Linear).forward(queries), [b, t, p, dk]), [0, 2, 1, 3]);
      const k = tf.transpose(tf.reshape((this.getModule('key') as Linear).forward(v), [b, nv, p, dk]), [0, 2, 1, 3]);
      const scores = tf.mul(tf.matMul(tf.reshape(q, [b * p, t, dk]), tf.reshape(k, [b * p, nv, dk]), false, true), 1 / Math.sqrt(dk));
      const attn = tf.softmax(scores) as tf.Tensor3D; // [B·P, T, Nv]
      const grid = tf.tensor2d(gridCentres(nv), [nv, 2]);
      const centres = tf.transpose(tf.reshape(tf.matMul(tf.reshape(attn, [b * p * t, nv]), grid), [b, p, t, 2]), [0, 2, 1, 3]);
      // All P·T attention rows of an image read the same values: one batched product, no copies of v.
      const read = tf.matMul(tf.reshape(attn, [b, p * t, nv]), v); // [B, P·T, D]
      const pooled = tf.reshape(tf.transpose(tf.reshape(read, [b, p, t, d]), [0, 2, 1, 3]), [b, t, p * d]);
      return { centres, pooled };
    });
  }
}
