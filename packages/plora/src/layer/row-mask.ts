import { tf } from '@vlalign/core';

/**
 * Turns a visual-token mask into the `[N, 1]` boolean column that routes rows between the adapted
 * and the base output.
 *
 * @param mask 0/1 float (or bool) tensor with `rows` elements, in the input's leading shape.
 * @param rows N, the number of rows of the flattened input.
 * @param where names the caller in errors.
 */
export function rowSelector(mask: tf.Tensor, rows: number, where: string): tf.Tensor2D {
  if (mask.size !== rows) {
    throw new Error(`${where}: the visual mask has ${mask.size} elements (shape [${mask.shape}]) but the input has ${rows} rows; it must have the input's leading shape`);
  }
  return tf.tidy(() => {
    const flat = tf.reshape(mask, [rows, 1]);
    // The comparison never sits on the differentiated path: the mask is data, not a parameter.
    return (flat.dtype === 'bool' ? flat : tf.greater(flat, 0.5)) as tf.Tensor2D;
  });
}

/**
 * Rows where `selector` is true come from `adapted`, the others from `base`. A select (not
 * `base + mask * delta`) so unselected rows are bit-for-bit `base`, even where the delta is not
 * finite or where `x + 0` would turn `-0` into `+0`; its gradient sends nothing to `adapted` on
 * unselected rows.
 */
export function routeRows(selector: tf.Tensor2D, adapted: tf.Tensor, base: tf.Tensor): tf.Tensor {
  return tf.where(selector, adapted, base);
}
