import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { ModuleList } from './module-list.js';
import { Linear } from './linear.js';
import { LayerNorm } from './layer-norm.js';
import { gelu } from './activations.js';
import { deriveSeed } from './seed.js';
import { useFusedOps } from '../ops/fused-switch.js';
import { fusedIm2col3x3Stride2 } from '../ops/im2col.js';

/**
 * The 3x3 neighbourhoods (zero padding 1) of every stride-2 output position:
 * `[B, H, W, C]` -> `[B, H/2, W/2, 9*C]`, features ordered (dy, dx, channel). A matMul with a
 * `[9*C, out]` weight then is `conv2d(x, w, stride 2, padding 1)` (PyTorch's `Conv2d(C, out, 3, 2, 1)`).
 *
 * Built from pad, reshape, slice and concat only, because the wasm backend has no
 * Conv2DBackpropFilter (a conv filter could not be trained there) and every one of these ops has a
 * gradient on every backend. All tensors stay 4-D: rows are picked on a `[B, H'/2, 2, W'*C]` view,
 * columns on a `[B, H/2, W'/2, 2*C]` view (`H' = H + 2`). With fused ops on (wasm, cpu) it is one
 * gather kernel forward and one scatter-add backward instead.
 */
export function im2col3x3Stride2(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`im2col3x3Stride2: height and width must be even, got [${x.shape}]`);
  if (x.dtype === 'float32' && useFusedOps()) return fusedIm2col3x3Stride2(x);
  return tf.tidy(() => {
    const ho = h / 2;
    const wo = w / 2;
    const padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const byRowPairs = tf.reshape(padded, [b, ho + 1, 2, (w + 2) * c]);
    const columns: tf.Tensor[] = [];
    for (let dy = 0; dy < 3; dy++) {
      const rows = tf.slice(byRowPairs, [0, dy >> 1, dy & 1, 0], [b, ho, 1, (w + 2) * c]);
      const byColPairs = tf.reshape(rows, [b, ho, wo + 1, 2 * c]);
      for (let dx = 0; dx < 3; dx++) columns.push(tf.slice(byColPairs, [0, 0, dx >> 1, (dx & 1) * c], [b, ho, wo, c]));
    }
    return tf.concat(columns, 3) as tf.Tensor4D;
  });
}

/** Options of {@link ConvStem}. */
export interface ConvStemOptions {
  /** Base seed; each stage gets a seed derived from it. Default 0. */
  seed?: number;
  /** LayerNorm epsilon. Default 1e-5. */
  eps?: number;
}

/**
 * An early-convolution stem ("Early Convolutions Help Transformers See Better", Xiao et al. 2021):
 * stride-2 3x3 convolutions, each but the last followed by a per-position LayerNorm over channels
 * and GELU, taking `[B, S, S, C]` images down to a `[B, S/2^k, S/2^k, width]` token grid.
 *
 * Why: a linear patch embedding sees each patch alone, so a tiny ViT must learn a shape separately
 * at every offset against the patch grid; overlapping convolutions are translation-equivariant
 * and learn shapes several times faster (measured on the shapes world, see the clip package's
 * bench/shape-diagnosis).
 *
 * Children: `convs.<i>` ({@link Linear} `[9*in, out]`, see {@link im2col3x3Stride2}) and `norms.<i>`.
 */
export class ConvStem extends Module {
  /** Channels after each stage; the last is the output width. */
  readonly channels: readonly number[];
  readonly convs: ModuleList<Linear>;
  readonly norms: ModuleList<LayerNorm>;

  constructor(inChannels: number, channels: readonly number[], options: ConvStemOptions = {}) {
    super();
    if (channels.length === 0) throw new Error('ConvStem: channels must name at least one stage');
    this.channels = [...channels];
    const seed = options.seed ?? 0;
    this.convs = this.registerModule('convs', new ModuleList<Linear>());
    this.norms = this.registerModule('norms', new ModuleList<LayerNorm>());
    let prev = inChannels;
    channels.forEach((out, i) => {
      const fanIn = 9 * prev;
      // PyTorch's Conv2d default init has std 1/sqrt(3 fan_in); the transformer's 0.02 would start
      // the early stages near zero (fan_in is only 27 in the first one).
      this.convs.push(new Linear(fanIn, out, { seed: deriveSeed(seed, 'convs', i), initStd: 1 / Math.sqrt(3 * fanIn) }));
      if (i < channels.length - 1) this.norms.push(new LayerNorm(out, { eps: options.eps }));
      prev = out;
    });
  }

  /** `[B, S, S, C]` -> `[B, S/2^k, S/2^k, width]` for k stages. */
  forward(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let x = images;
      for (let i = 0; i < this.convs.length; i++) {
        const cols = im2col3x3Stride2(x);
        x = this.convs.at(i).forward(cols) as tf.Tensor4D;
        if (i < this.norms.length) x = gelu(this.norms.at(i).forward(x)) as tf.Tensor4D;
      }
      return x;
    });
  }
}
