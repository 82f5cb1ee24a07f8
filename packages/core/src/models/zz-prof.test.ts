import { it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { createModel } from './index.js';

it('prof', async () => {
  await initBackend('wasm');
  const model = createModel('vlm', 'tiny', { seed: 1 });
  const B = 16, T = 16;
  const images = tf.randomUniform([B, 64, 64, 3], -1, 1) as tf.Tensor4D;
  const ids = tf.randomUniform([B, T], 0, 500, 'int32') as tf.Tensor2D;
  const opt = tf.train.adam(1e-3);
  const vars = model.trainableParameters();
  const step = () => { const c = opt.minimize(() => {
    const out = model.forward({ images, inputIds: ids });
    return tf.losses.softmaxCrossEntropy(tf.oneHot(ids, 512), out.logits) as tf.Scalar;
  }, true, vars)!; c.dataSync(); c.dispose(); };
  step(); step();
  const prof = await tf.profile(() => { step(); });
  const agg: Record<string, { ms: number; n: number }> = {};
  for (const k of prof.kernels) { const a = (agg[k.name] ??= { ms: 0, n: 0 }); a.ms += k.kernelTimeMs as number; a.n++; }
  const rows = Object.entries(agg).sort((a, b) => b[1].ms - a[1].ms).slice(0, 15);
  console.log('TOTAL', prof.kernels.reduce((s, k) => s + (k.kernelTimeMs as number), 0).toFixed(1), 'kernels', prof.kernels.length);
  for (const [n, a] of rows) console.log(n, a.ms.toFixed(1), a.n);
  const slow = prof.kernels.filter(k => (k.kernelTimeMs as number) > 20).map(k => `${k.name} ${(k.kernelTimeMs as number).toFixed(1)} ${JSON.stringify(k.inputShapes)}`);
  console.log(slow.join('\n'));
  const t0 = performance.now(); step(); console.log('step ms', performance.now() - t0);
});
