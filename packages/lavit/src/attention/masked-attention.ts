import { Linear, Module, deriveSeed, stopGradient, tf } from '@vlalign/core';

/** Epsilon of LaVIT's policy softmax (`softmax_with_policy`). */
export const POLICY_SOFTMAX_EPS = 1e-6;

/**
 * LaVIT's (and DynamicViT's) masked softmax with a soft, differentiable mask:
 * `a = exp(s - max(s)) * mask; a = (a + eps / Tk) / (sum(a) + eps)`.
 * Unlike an additive `-inf` bias, the mask multiplies the weights, so a straight-through keep
 * decision receives gradients through every attention it gates. A row whose keys are all masked
 * becomes uniform instead of NaN.
 *
 * @param scores `[B, H, Tq, Tk]`
 * @param mask broadcastable to `scores` (e.g. `[B, 1, Tq, Tk]` or `[B, 1, 1, Tk]`), values in [0, 1]
 */
export function policySoftmax(scores: tf.Tensor, mask: tf.Tensor, eps = POLICY_SOFTMAX_EPS): tf.Tensor {
  return tf.tidy(() => {
    const tk = scores.shape[scores.rank - 1];
    const shifted = tf.sub(scores, stopGradient(tf.max(scores, -1, true)));
    const a = tf.mul(tf.exp(shifted), mask);
    return tf.div(tf.add(a, eps / tk), tf.add(tf.sum(a, -1, true), eps));
  });
}

/**
 * Multi-head attention whose key mask is a soft multiplicative weight (see {@link policySoftmax}),
 * used by the token merger and the query decoder. Children `q_proj`, `k_proj`, `v_proj`,
 * `out_proj` (like core's `MultiHeadAttention`).
 */
export class MaskedAttention extends Module {
  readonly dim: number;
  readonly heads: number;
  readonly kvDim: number;

  constructor(dim: number, heads: number, options: { kvDim?: number; seed?: number } = {}) {
    super();
    if (!Number.isInteger(heads) || heads < 1 || dim % heads !== 0) throw new Error(`MaskedAttention: dim (${dim}) must be a positive multiple of heads (${heads})`);
    const seed = options.seed ?? 0;
    this.dim = dim;
    this.heads = heads;
    this.kvDim = options.kvDim ?? dim;
    this.registerModule('q_proj', new Linear(dim, dim, { seed: deriveSeed(seed, 'q_proj') }));
    this.registerModule('k_proj', new Linear(this.kvDim, dim, { seed: deriveSeed(seed, 'k_proj') }));
    this.registerModule('v_proj', new Linear(this.kvDim, dim, { seed: deriveSeed(seed, 'v_proj') }));
    this.registerModule('out_proj', new Linear(dim, dim, { seed: deriveSeed(seed, 'out_proj') }));
  }

  /**
   * Attends from `x` `[B, Tq, dim]` to `context` `[B, Tk, kvDim]` (default `x`) with `mask`
   * broadcastable to `[B, 1, Tq, Tk]` (1 = attend, 0 = hidden; fractional values allowed).
   */
  forward(x: tf.Tensor, mask: tf.Tensor, context?: tf.Tensor): tf.Tensor3D {
    const src = context ?? x;
    if (x.rank !== 3 || x.shape[2] !== this.dim) throw new Error(`MaskedAttention.forward: expected x [B, T, ${this.dim}], got [${x.shape}]`);
    if (src.rank !== 3 || src.shape[2] !== this.kvDim || src.shape[0] !== x.shape[0]) throw new Error(`MaskedAttention.forward: expected context [${x.shape[0]}, S, ${this.kvDim}], got [${src.shape}]`);
    const [b, t] = x.shape as [number, number, number];
    const s = src.shape[1] as number;
    const h = this.heads;
    const dh = this.dim / h;
    const lin = (name: string, v: tf.Tensor) => (this.getModule(name) as Linear).forward(v);
    return tf.tidy(() => {
      const q = tf.transpose(tf.reshape(tf.mul(lin('q_proj', x), 1 / Math.sqrt(dh)), [b, t, h, dh]), [0, 2, 1, 3]);
      const k = tf.transpose(tf.reshape(lin('k_proj', src), [b, s, h, dh]), [0, 2, 3, 1]);
      const v = tf.transpose(tf.reshape(lin('v_proj', src), [b, s, h, dh]), [0, 2, 1, 3]);
      const probs = policySoftmax(tf.matMul(q, k), mask);
      const out = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [b, t, this.dim]);
      return lin('out_proj', out) as tf.Tensor3D;
    });
  }
}
