import * as tf from '@tensorflow/tfjs-core';
import { runKernel } from './heap-kernel.js';
import { callKernel, disposeInfos, view, type KernelArgs } from './backend-calls.js';

export const LINEAR_KERNEL = 'VlalignLinear';
export const LINEAR_GRAD_KERNEL = 'VlalignLinearGrad';

const call = (name: string, backendName: string, args: KernelArgs): tf.TensorInfo => callKernel(LINEAR_KERNEL, name, backendName, args);

function forwardKernel(backendName: string): tf.KernelFunc {
  return (args) => {
    const { x, w, bias } = args.inputs as { x: tf.TensorInfo; w: tf.TensorInfo; bias?: tf.TensorInfo };
    const [inF, outF] = w.shape;
    const rows = tf.util.sizeFromShape(x.shape) / inF;
    const a = view(x, [1, rows, inF]);
    const b = view(w, [1, inF, outF]);
    const attrs = { transposeA: false, transposeB: false };
    const y = bias
      ? call('_FusedMatMul', backendName, { inputs: { a, b, bias }, attrs: { ...attrs, activation: 'linear' }, backend: args.backend })
      : call('BatchMatMul', backendName, { inputs: { a, b }, attrs, backend: args.backend });
    return view(y, [...x.shape.slice(0, -1), outF]);
  };
}

function gradKernel(backendName: string): tf.KernelFunc {
  return (args) => {
    const { dy, x, w } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; w: tf.TensorInfo };
    const { hasBias } = args.attrs as { hasBias: boolean };
    const [inF, outF] = w.shape;
    const rows = tf.util.sizeFromShape(x.shape) / inF;
    const backend = args.backend;
    const dy3 = view(dy, [1, rows, outF]);
    const outs: tf.TensorInfo[] = [];
    try {
      // The same products (and transpose flags) as tf.fused.matMul's gradient.
      const dx = call('BatchMatMul', backendName, { inputs: { a: dy3, b: view(w, [1, inF, outF]) }, attrs: { transposeA: false, transposeB: true }, backend });
      outs.push(view(dx, x.shape));
      const dw = call('BatchMatMul', backendName, { inputs: { a: view(x, [1, rows, inF]), b: dy3 }, attrs: { transposeA: true, transposeB: false }, backend });
      outs.push(view(dw, [inF, outF]));
      if (hasBias) outs.push(call('Sum', backendName, { inputs: { x: view(dy, [rows, outF]) }, attrs: { axis: [0], keepDims: false }, backend }));
    } catch (err) {
      disposeInfos(backend, outs);
      throw err;
    }
    return outs;
  };
}

let ready = false;
function ensureRegistered(): void {
  if (ready) return;
  ready = true;
  for (const backendName of ['wasm', 'cpu'] as const) {
    if (!tf.getKernel(LINEAR_KERNEL, backendName)) tf.registerKernel({ kernelName: LINEAR_KERNEL, backendName, kernelFunc: forwardKernel(backendName) });
    if (!tf.getKernel(LINEAR_GRAD_KERNEL, backendName)) tf.registerKernel({ kernelName: LINEAR_GRAD_KERNEL, backendName, kernelFunc: gradKernel(backendName) });
  }
  // The bias is never saved: its gradient is the row sum of dy. All gradients come from ONE kernel
  // call, run eagerly (like customGrad's) so every closure returns a live tensor.
  tf.registerGradient({
    kernelName: LINEAR_KERNEL,
    inputsToSave: ['x', 'w'],
    gradFunc: (dy, saved, attrs): Record<string, () => tf.Tensor> => {
      const hasBias = Boolean((attrs as { hasBias?: boolean }).hasBias);
      const [dx, dw, db] = runKernel(LINEAR_GRAD_KERNEL, { dy: dy as tf.Tensor, x: saved[0], w: saved[1] }, { hasBias }) as tf.Tensor[];
      return hasBias ? { x: () => dx, w: () => dw, bias: () => db } : { x: () => dx, w: () => dw };
    },
  });
}

/**
 * `x W + b` for `x` of any rank >= 2 (`[..., in] -> [..., out]`) as ONE kernel with ONE gradient
 * kernel on the wasm and cpu backends. Both run the backend's own `_FusedMatMul` / `BatchMatMul` /
 * `Sum` kernels on reshaped views of the same data, so the results equal `tf.fused.matMul` on
 * reshaped inputs, without its 4 reshapes, 7 saved clones and their gradients per call. Used by
 * `Linear` when fused ops are on.
 */
export function fusedLinear(x: tf.Tensor, w: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  ensureRegistered();
  if (x.dtype !== 'float32' || w.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) throw new Error('fusedLinear: expected float32 tensors');
  if (w.rank !== 2 || x.rank < 2 || x.shape[x.rank - 1] !== w.shape[0]) throw new Error(`fusedLinear: expected x [..., ${w.shape[0]}] and w [in, out], got [${x.shape}] and [${w.shape}]`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== w.shape[1])) throw new Error(`fusedLinear: expected bias [${w.shape[1]}], got [${bias.shape}]`);
  const inputs: Record<string, tf.Tensor> = bias ? { x, w, bias } : { x, w };
  return runKernel(LINEAR_KERNEL, inputs, { hasBias: Boolean(bias) }) as tf.Tensor;
}
