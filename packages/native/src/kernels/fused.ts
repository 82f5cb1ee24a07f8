import { tf, type AdamWManyAttrs, type AdamWUpdateAttrs } from '@vlalign/core';
import { randomTensor } from '../random-tensor.js';
import { asWasm, heapOf, offsetOf, sizeOf, withOutputs } from '../wasm-heap.js';
import type { NativeKernelSpec } from './types.js';

// Kernel names registered by @vlalign/core's fused ops (packages/core/src/ops).
export const GELU = 'VlalignGelu';
export const GELU_GRAD = 'VlalignGeluGrad';
export const LAYER_NORM = 'VlalignLayerNorm';
export const LAYER_NORM_GRAD = 'VlalignLayerNormGrad';
export const ADAMW = 'VlalignAdamWUpdate';
export const ADAMW_MANY = 'VlalignAdamWUpdateMany';

type Infos = Record<string, tf.TensorInfo>;
const allF32 = (...ts: (tf.TensorInfo | undefined)[]): boolean => ts.every((t) => t !== undefined && t.dtype === 'float32');

/** Fused GELU forward (tanh form). */
export const geluKernel: NativeKernelSpec = {
  kernelName: GELU,
  make: (addon, original) => (args) => {
    const { x } = args.inputs as Infos;
    if (!allF32(x)) return original(args);
    const backend = asWasm(args.backend);
    const y = backend.makeOutput(x.shape, 'float32');
    const n = sizeOf(x.shape);
    if (n === 0) return y;
    return withOutputs(backend, [y], () => addon.gelu(heapOf(backend), offsetOf(backend, x), offsetOf(backend, y), n))[0];
  },
  selfTest: [
    { label: 'gelu', inputs: () => ({ x: randomTensor([37, 41], 21, 6) }) },
    { label: 'gelu saturated', inputs: () => ({ x: randomTensor([300], 22, 30) }) },
  ],
};

/** Fused GELU backward. */
export const geluGradKernel: NativeKernelSpec = {
  kernelName: GELU_GRAD,
  make: (addon, original) => (args) => {
    const { dy, x } = args.inputs as Infos;
    if (!allF32(dy, x) || sizeOf(dy.shape) !== sizeOf(x.shape)) return original(args);
    const backend = asWasm(args.backend);
    const dx = backend.makeOutput(dy.shape, 'float32');
    const n = sizeOf(x.shape);
    if (n === 0) return dx;
    return withOutputs(backend, [dx], () => addon.geluGrad(heapOf(backend), offsetOf(backend, dy), offsetOf(backend, x), offsetOf(backend, dx), n))[0];
  },
  selfTest: [
    { label: 'gelu grad', inputs: () => ({ dy: randomTensor([37, 41], 23), x: randomTensor([37, 41], 24, 6) }) },
    { label: 'gelu grad saturated', inputs: () => ({ dy: randomTensor([300], 25), x: randomTensor([300], 26, 30) }) },
  ],
};

/** Fused LayerNorm forward over the last axis. */
export const layerNormKernel: NativeKernelSpec = {
  kernelName: LAYER_NORM,
  make: (addon, original) => (args) => {
    const { x, gamma, beta } = args.inputs as Infos;
    const d = gamma ? sizeOf(gamma.shape) : 0;
    const n = x ? sizeOf(x.shape) : 0;
    if (!allF32(x, gamma, beta) || d === 0 || sizeOf(beta.shape) !== d || n % d !== 0) return original(args);
    const eps = (args.attrs as { eps: number }).eps;
    const backend = asWasm(args.backend);
    const y = backend.makeOutput(x.shape, 'float32');
    if (n === 0) return y;
    return withOutputs(backend, [y], () => addon.layerNorm(heapOf(backend), offsetOf(backend, x), offsetOf(backend, gamma), offsetOf(backend, beta), offsetOf(backend, y), n / d, d, eps))[0];
  },
  selfTest: [{ label: 'layerNorm', inputs: () => ({ x: randomTensor([3, 7, 33], 31, 3), gamma: randomTensor([33], 32), beta: randomTensor([33], 33) }), attrs: { eps: 1e-5 } }],
};

/** Fused LayerNorm backward: [dx, dgamma, dbeta]. */
export const layerNormGradKernel: NativeKernelSpec = {
  kernelName: LAYER_NORM_GRAD,
  make: (addon, original) => (args) => {
    const { dy, x, gamma } = args.inputs as Infos;
    const d = gamma ? sizeOf(gamma.shape) : 0;
    const n = x ? sizeOf(x.shape) : 0;
    if (!allF32(dy, x, gamma) || d === 0 || n % d !== 0 || sizeOf(dy.shape) !== n) return original(args);
    const eps = (args.attrs as { eps: number }).eps;
    const backend = asWasm(args.backend);
    const outs = [backend.makeOutput(x.shape, 'float32'), backend.makeOutput(gamma.shape, 'float32'), backend.makeOutput(gamma.shape, 'float32')];
    return withOutputs(backend, outs, () =>
      addon.layerNormGrad(heapOf(backend), offsetOf(backend, dy), offsetOf(backend, x), offsetOf(backend, gamma), offsetOf(backend, outs[0]), offsetOf(backend, outs[1]), offsetOf(backend, outs[2]), n / d, d, eps),
    );
  },
  selfTest: [{ label: 'layerNorm grad', inputs: () => ({ dy: randomTensor([3, 7, 33], 34), x: randomTensor([3, 7, 33], 35, 3), gamma: randomTensor([33], 36) }), attrs: { eps: 1e-5 } }],
};

/** Fused AdamW update: [p, m, v]. */
export const adamWKernel: NativeKernelSpec = {
  kernelName: ADAMW,
  make: (addon, original) => (args) => {
    const { p, m, v, g } = args.inputs as Infos;
    const n = p ? sizeOf(p.shape) : 0;
    if (!allF32(p, m, v, g) || [m, v, g].some((t) => sizeOf(t.shape) !== n)) return original(args);
    const h = args.attrs as unknown as AdamWUpdateAttrs;
    const backend = asWasm(args.backend);
    const outs = [backend.makeOutput(p.shape, 'float32'), backend.makeOutput(p.shape, 'float32'), backend.makeOutput(p.shape, 'float32')];
    if (n === 0) return outs;
    return withOutputs(backend, outs, () =>
      addon.adamw(heapOf(backend), offsetOf(backend, p), offsetOf(backend, m), offsetOf(backend, v), offsetOf(backend, g), offsetOf(backend, outs[0]), offsetOf(backend, outs[1]), offsetOf(backend, outs[2]), n, h.lr, h.beta1, h.beta2, h.eps, h.bc1, h.bc2, h.decay),
    );
  },
  selfTest: [
    {
      label: 'adamw',
      inputs: () => ({ p: randomTensor([13, 11], 41), m: randomTensor([13, 11], 42, 0.01), v: tf.abs(randomTensor([13, 11], 43, 0.001)), g: randomTensor([13, 11], 44, 0.1) }),
      attrs: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, bc1: 1 - 0.9 ** 3, bc2: 1 - 0.999 ** 3, decay: 1 - 1e-3 * 0.01 },
    },
  ],
};

/** Fused AdamW update of every variable of a step in one kernel: [p0, m0, v0, p1, ...]. */
export const adamWManyKernel: NativeKernelSpec = {
  kernelName: ADAMW_MANY,
  make: (addon, original) => (args) => {
    const h = args.attrs as unknown as AdamWManyAttrs;
    const ins = args.inputs as Infos;
    const count = h.decay.length;
    const groups: tf.TensorInfo[][] = [];
    for (let i = 0; i < count; i++) {
      const g = [ins[`p${i}`], ins[`m${i}`], ins[`v${i}`], ins[`g${i}`]];
      const n = g[0] ? sizeOf(g[0].shape) : 0;
      if (!allF32(...g) || g.some((t) => sizeOf(t.shape) !== n)) return original(args);
      groups.push(g);
    }
    const backend = asWasm(args.backend);
    // Every output first: malloc may grow (and detach) the heap.
    const outs = groups.flatMap(([p]) => [backend.makeOutput(p.shape, 'float32'), backend.makeOutput(p.shape, 'float32'), backend.makeOutput(p.shape, 'float32')]);
    return withOutputs(backend, outs, () => {
      const heap = heapOf(backend);
      groups.forEach(([p, m, v, g], i) => {
        const n = sizeOf(p.shape);
        if (n === 0) return;
        const [po, mo, vo] = outs.slice(3 * i, 3 * i + 3).map((o) => offsetOf(backend, o));
        addon.adamw(heap, offsetOf(backend, p), offsetOf(backend, m), offsetOf(backend, v), offsetOf(backend, g), po, mo, vo, n, h.lr, h.beta1, h.beta2, h.eps, h.bc1[i], h.bc2[i], h.decay[i]);
      });
    });
  },
  selfTest: [
    {
      label: 'adamw many',
      inputs: () => {
        const out: Record<string, tf.Tensor> = {};
        [[13, 11], [7], [0]].forEach((shape, i) => {
          out[`p${i}`] = randomTensor(shape, 45 + i);
          out[`m${i}`] = randomTensor(shape, 48 + i, 0.01);
          out[`v${i}`] = tf.abs(randomTensor(shape, 51 + i, 0.001));
          out[`g${i}`] = randomTensor(shape, 54 + i, 0.1);
        });
        return out;
      },
      attrs: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, bc1: [1 - 0.9 ** 3, 0.1, 0.1], bc2: [1 - 0.999 ** 3, 0.001, 0.001], decay: [1 - 1e-3 * 0.01, 1, 1] },
    },
  ],
};
