import { test } from 'vitest';
import { AdamW, initBackend, tf, type Sample } from '@vlalign/core';
import { pixelllm, pixelLlmModules } from './plugin/pixelllm-plugin.js';
import { TestContext, tinyVlm, tinyWorld, tokenizer } from './testing/tiny-setup.js';
import { localizeWords } from './inference/localize-words.js';

test('debug', async () => {
  await initBackend('wasm');
  const model = tinyVlm(tokenizer, 0);
  const plugin = pixelllm({ locationFraction: 0.25, referringFraction: 0.25 });
  const ctx = new TestContext(model, tokenizer);
  await plugin.setup!(ctx);
  const data = tinyWorld('train', 8);
  const batch: Sample[] = Array.from({ length: 8 }, (_, i) => data.get(i));
  const vars = [model, ...ctx.modules.values()].flatMap((m) => m.trainableParameters());
  const { head } = pixelLlmModules(ctx);
  const headVars = new Set(head.trainableParameters().map((v) => v.name));
  const opt = new AdamW({ weightDecay: 0 });
  for (let step = 0; step < 40; step++) {
    ctx.resetRandom();
    let cl = 0, pl = 0;
    const { value, grads } = tf.variableGrads(() => {
      const out = plugin.loss!(batch, ctx, undefined);
      cl = (out.metrics!.caption_loss as tf.Tensor).dataSync()[0];
      pl = (out.metrics!.point_loss as tf.Tensor).dataSync()[0];
      tf.dispose(Object.values(out.metrics ?? {}) as tf.Tensor[]);
      return out.loss;
    }, vars);
    let hn = 0;
    for (const [k, g] of Object.entries(grads)) if (headVars.has(k)) hn += tf.sum(tf.square(g)).dataSync()[0];
    opt.step(grads, 3e-3);
    if (step % 10 === 0) console.log(step, value.dataSync()[0].toFixed(3), cl.toFixed(3), pl.toFixed(3), 'headgrad', Math.sqrt(hn).toExponential(2));
    tf.dispose([value, ...Object.values(grads)]);
  }
  const out = await localizeWords(model, head, batch[0].image!, tokenizer, { promptEncoder: pixelLlmModules(ctx).promptEncoder });
  console.log(batch[0].captions[0], '=>', out.caption);
  const pe = pixelLlmModules(ctx).promptEncoder;
  for (const s of batch.slice(0, 4)) {
    for (const lp of (s as any).locationPrompts) {
      const o = await localizeWords(model, head, s.image!, tokenizer, { promptEncoder: pe, prompt: lp.box, maxNewTokens: 6 });
      console.log('LOC', lp.caption, '=>', o.caption);
    }
  }
  const { evaluateLocationCaptions } = await import('./eval/location-caption-eval.js');
  console.log(await evaluateLocationCaptions(model, pe, batch, { tokenizer, batchSize: 8, maxNewTokens: 6 }));
});
