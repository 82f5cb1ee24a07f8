import * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from '../data/types.js';

/**
 * Stacks decoded RGB images into a `[B, size, size, 3]` float tensor scaled to [-1, 1]
 * (`pixel / 127.5 - 1`). Images of another size are resized bilinearly (no aspect-ratio crop: crop
 * beforehand if that matters).
 *
 * @throws if the list is empty or an image's `data` length disagrees with its width/height.
 */
export function imagesToTensor(images: RgbImage[], size: number): tf.Tensor4D {
  if (images.length === 0) throw new Error('imagesToTensor: images is empty');
  if (!Number.isInteger(size) || size <= 0) throw new Error(`imagesToTensor: size must be a positive integer, got ${size}`);
  images.forEach((img, i) => {
    if (img.channels !== 3 || img.data.length !== img.width * img.height * 3) {
      throw new Error(`imagesToTensor: images[${i}] must be RGB with data.length = width*height*3 = ${img.width * img.height * 3}; got channels ${img.channels}, data.length ${img.data.length}`);
    }
  });
  const plane = size * size * 3;
  if (images.every((img) => img.width === size && img.height === size)) {
    const out = new Float32Array(images.length * plane);
    images.forEach((img, b) => {
      const off = b * plane;
      for (let j = 0; j < plane; j++) out[off + j] = img.data[j] / 127.5 - 1;
    });
    return tf.tensor4d(out, [images.length, size, size, 3]);
  }
  return tf.tidy(() =>
    tf.stack(
      images.map((img) => {
        const t = tf.sub(tf.div(tf.tensor3d(Float32Array.from(img.data), [img.height, img.width, 3]), 127.5), 1) as tf.Tensor3D;
        return img.width === size && img.height === size ? t : tf.image.resizeBilinear(t, [size, size], false, true);
      }),
    ) as tf.Tensor4D,
  );
}
