import { it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { createModel } from './index.js';

it('cal', async () => {
  await initBackend('wasm');
  const a = tf.randomNormal([512, 512]), b = tf.randomNormal([512, 512]);
  for (let i = 0; i < 3; i++) tf.matMul(a, b).dispose();
  const t0 = performance.now(); for (let i = 0; i < 10; i++) tf.matMul(a, b).dataSync(); console.log('mm512 ms', (performance.now() - t0) / 10);
  const model = createModel('dual-encoder', 'clip-bench', { seed: 1 });
  const B = 32, T = 16;
  const images = tf.randomUniform([B, 32, 32, 3], -1, 1) as tf.Tensor4D;
  const ids = tf.randomUniform([B, T], 0, 500, 'int32') as tf.Tensor2D;
  const opt = tf.train.adam(1e-3);
  const scale = tf.variable(tf.scalar(Math.log(1 / 0.07)));
  const vars = [...model.trainableParameters(), scale];
  console.log('params', vars.reduce((s, v) => s + v.size, 0));
  const lbl = tf.oneHot(tf.range(0, B, 1, 'int32'), B);
  const step = () => { const c = opt.minimize(() => {
    const x = model.encodeImage(images), y = model.encodeText(ids, Array(B).fill(T));
    const logits = tf.mul(tf.matMul(tf.div(x, tf.norm(x, 2, 1, true)), tf.div(y, tf.norm(y, 2, 1, true)), false, true), tf.minimum(tf.exp(scale), 100));
    return tf.div(tf.add(tf.losses.softmaxCrossEntropy(lbl, logits), tf.losses.softmaxCrossEntropy(lbl, tf.transpose(logits))), 2) as tf.Scalar;
  }, true, vars)!; const l = c.dataSync()[0]; c.dispose(); return l; };
  for (let i = 0; i < 3; i++) step();
  const ts: number[] = [];
  for (let i = 0; i < 8; i++) { const t = performance.now(); step(); ts.push(performance.now() - t); }
  console.log('clip step median', ts.sort((x, y) => x - y)[4], ts.map(t => t.toFixed(0)).join(' '));
});
