import { it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { createModel } from './index.js';

it('smoke', async () => {
  await initBackend('wasm');
  for (const kind of ['vlm', 'dual-encoder'] as const) {
    const model = createModel(kind, kind === 'vlm' ? 'tiny' : 'clip-bench', { seed: 1 });
    const B = kind === 'vlm' ? 16 : 32;
    const size = kind === 'vlm' ? 64 : 32;
    const T = 16;
    const images = tf.randomUniform([B, size, size, 3], -1, 1) as tf.Tensor4D;
    const ids = tf.randomUniform([B, T], 0, 500, 'int32') as tf.Tensor2D;
    const opt = tf.train.adam(1e-3);
    const vars = model.trainableParameters();
    const times: number[] = [];
    for (let s = 0; s < 8; s++) {
      const t0 = performance.now();
      const cost = opt.minimize(() => {
        if (kind === 'vlm') {
          const out = (model as any).forward({ images, inputIds: ids });
          return tf.losses.softmaxCrossEntropy(tf.oneHot(ids, 512), out.logits) as tf.Scalar;
        }
        const a = (model as any).encodeImage(images), b = (model as any).encodeText(ids, Array(B).fill(T));
        const logits = tf.matMul(tf.div(a, tf.norm(a, 2, 1, true)), tf.div(b, tf.norm(b, 2, 1, true)), false, true).mul(10);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.range(0, B, 1, 'int32'), B), logits) as tf.Scalar;
      }, true, vars)!;
      const l = (await cost.data())[0]; cost.dispose();
      times.push(performance.now() - t0);
      console.log(kind, s, l.toFixed(4), times[s].toFixed(0), tf.memory().numTensors);
    }
    console.log(kind, 'params', model.parameterCount(), 'median', times.slice(3).sort((a,b)=>a-b)[2]);
  }
});
