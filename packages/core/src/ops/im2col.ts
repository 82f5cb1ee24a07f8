import * as tf from '@tensorflow/tfjs-core';
import { registerHeapKernel, runKernel } from './heap-kernel.js';

export const IM2COL_KERNEL = 'VlalignIm2Col3x3S2';
export const IM2COL_GRAD_KERNEL = 'VlalignIm2Col3x3S2Grad';

/**
 * Copies between an image `[B, H, W, C]` and its 3x3 stride-2 padding-1 columns
 * `[B, H/2, W/2, 9*C]`: forward (`toCols`) writes every column value (zeros in the padding, as wasm
 * outputs are not zeroed); backward adds each column value back onto its pixel. One function for
 * both keeps the index maps identical; plain loops because a closure or `subarray` per tap made this
 * the slowest kernel of the stem.
 */
function im2colLoop(img: Float32Array, cols: Float32Array, shape: number[], toCols: boolean): void {
  const [b, h, w, c] = shape;
  const ho = h / 2;
  const wo = w / 2;
  if (!toCols) img.fill(0);
  let col = 0;
  for (let n = 0; n < b; n++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        for (let dy = 0; dy < 3; dy++) {
          const iy = 2 * oy + dy - 1;
          for (let dx = 0; dx < 3; dx++) {
            const ix = 2 * ox + dx - 1;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
              if (toCols) for (let k = 0; k < c; k++) cols[col + k] = 0;
            } else {
              const src = ((n * h + iy) * w + ix) * c;
              if (toCols) for (let k = 0; k < c; k++) cols[col + k] = img[src + k];
              else for (let k = 0; k < c; k++) img[src + k] += cols[col + k];
            }
            col += c;
          }
        }
      }
    }
  }
}

let ready = false;
function ensureRegistered(): void {
  if (ready) return;
  ready = true;
  registerHeapKernel({
    kernelName: IM2COL_KERNEL,
    inputNames: ['x'],
    outputShapes: ([x]) => [[x.shape[0], x.shape[1] / 2, x.shape[2] / 2, 9 * x.shape[3]]],
    body: ([x], [cols], attrs) => im2colLoop(x, cols, attrs.shape as number[], true),
  });
  registerHeapKernel({
    kernelName: IM2COL_GRAD_KERNEL,
    inputNames: ['dcols'],
    outputShapes: (_, attrs) => [attrs.shape as number[]],
    body: ([dcols], [dx], attrs) => im2colLoop(dx, dcols, attrs.shape as number[], false),
  });
  tf.registerGradient({
    kernelName: IM2COL_KERNEL,
    inputsToSave: [],
    gradFunc: (dy, _saved, attrs) => ({
      x: () => runKernel(IM2COL_GRAD_KERNEL, { dcols: dy as tf.Tensor }, { shape: (attrs as Record<string, unknown>).shape as number[] }) as tf.Tensor,
    }),
  });
}

/**
 * {@link im2col3x3Stride2} as ONE kernel forward (a gather) and ONE backward (the scatter-add),
 * on the wasm and cpu backends. The composed version costs 13 slice/concat kernels forward and
 * their pads and splits backward, which made a 3-stage conv stem 3.5x slower than the whole ViT.
 */
export function fusedIm2col3x3Stride2(x: tf.Tensor4D): tf.Tensor4D {
  ensureRegistered();
  if (x.dtype !== 'float32') throw new Error(`fusedIm2col3x3Stride2: expected a float32 tensor, got ${x.dtype}`);
  return runKernel(IM2COL_KERNEL, { x }, { shape: [...x.shape] }) as tf.Tensor4D;
}
