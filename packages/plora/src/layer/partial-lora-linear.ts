import { tf } from '@vlalign/core';
import { routeRows, rowSelector } from './row-mask.js';

/**
 * `x W + b`, computed exactly as core's `Linear` does (one fused product + bias), so an adapter's
 * base path is bit-for-bit the output of the layer it replaced.
 */
export function linearBase(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D | null | undefined): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: weight, bias: bias ?? undefined }) as tf.Tensor2D;
}

/**
 * The low-rank update `scaling * (x A) B` for `x` `[N, in]`, `A` `[in, r]`, `B` `[r, out]`, in
 * PEFT's order (`lora_B(lora_A(x)) * scaling`).
 */
export function loraDelta(x: tf.Tensor2D, loraA: tf.Tensor2D, loraB: tf.Tensor2D, scaling: number): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.matMul(tf.matMul(x, loraA), loraB), scaling));
}

/**
 * Partial LoRA (InternLM-XComposer2's PLoRA) as a pure function:
 *
 * `y = x W + b + scaling * mask ⊙ (x A B)`
 *
 * i.e. the low-rank update is added only on rows whose `mask` is 1 (visual tokens). Rows with
 * mask 0 are bit-for-bit `x W + b`: the base output is computed on its own and the update is
 * routed in by a select, never multiplied by a zero mask. With an all-ones mask this is standard
 * LoRA. Dropout, when wanted, is applied by the caller to the `x` it passes here for the update;
 * this function has none.
 *
 * @param x `[N, in]` inputs.
 * @param mask `[N]` 0/1 (float or bool): 1 on rows that get the update.
 * @param weight `[in, out]` base weight (vlalign layout; PyTorch stores `[out, in]`).
 * @param bias `[out]` base bias, or null.
 * @param loraA `[in, r]` down-projection.
 * @param loraB `[r, out]` up-projection.
 * @param scaling `alpha / r` (or `alpha / sqrt(r)` for rsLoRA).
 * @returns `[N, out]` (a new tensor; inputs are not disposed).
 */
export function partialLoraLinear(
  x: tf.Tensor2D,
  mask: tf.Tensor,
  weight: tf.Tensor2D,
  bias: tf.Tensor1D | null,
  loraA: tf.Tensor2D,
  loraB: tf.Tensor2D,
  scaling: number,
): tf.Tensor2D {
  checkShapes(x, weight, bias, loraA, loraB);
  return tf.tidy(() => {
    const base = linearBase(x, weight, bias);
    const selector = rowSelector(mask, x.shape[0], 'partialLoraLinear');
    return routeRows(selector, tf.add(base, loraDelta(x, loraA, loraB, scaling)), base) as tf.Tensor2D;
  });
}

function checkShapes(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null, a: tf.Tensor, b: tf.Tensor): void {
  const fail = (what: string) => {
    throw new Error(`partialLoraLinear: ${what} (x [${x.shape}], weight [${weight.shape}], bias [${bias?.shape ?? 'none'}], loraA [${a.shape}], loraB [${b.shape}])`);
  };
  if (x.rank !== 2 || weight.rank !== 2 || a.rank !== 2 || b.rank !== 2) fail('x, weight, loraA and loraB must be 2-D');
  const [inF, outF] = weight.shape;
  if (x.shape[1] !== inF) fail(`x must be [N, ${inF}]`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outF)) fail(`bias must be [${outF}]`);
  if (a.shape[0] !== inF) fail(`loraA must be [${inF}, r]`);
  if (b.shape[0] !== a.shape[1] || b.shape[1] !== outF) fail(`loraB must be [${a.shape[1]}, ${outF}]`);
}
