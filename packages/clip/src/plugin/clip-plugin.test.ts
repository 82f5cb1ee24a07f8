import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf, type BackendInfo, type Module, type Sample } from '@vlalign/core';
import { clip, LOGIT_HEAD_MODULE } from './clip-plugin.js';
import type { LogitHead } from './logit-head.js';
import { stepGradients, TestContext } from '../testing/plugin-harness.js';
import { shapesSamples, tinyDualEncoder, tinyVlm, tokenizer } from '../testing/tiny-models.js';
import { expectClose } from '../testing/expect-close.js';

let backend: BackendInfo;
let samples: Sample[];
const contexts: TestContext[] = [];

function context(model: Module = tinyDualEncoder(), seed = 0): TestContext {
  const ctx = new TestContext(model, tokenizer, backend, seed);
  contexts.push(ctx);
  return ctx;
}

beforeAll(async () => {
  backend = await initBackend('wasm');
  samples = await shapesSamples(16);
});
afterEach(() => {
  for (const ctx of contexts.splice(0)) {
    ctx.dispose();
    ctx.model.dispose();
  }
});

describe('clip plugin on a DualEncoder', () => {
  it.each([
    ['infonce', 4],
    ['siglip', 4],
    ['infonce', 3],
  ] as const)('%s: accumulate=%i gives the full-batch gradients', async (loss, k) => {
    const batch = samples.slice(0, 12);
    const model = tinyDualEncoder(3);
    const full = context(model, 7);
    const cached = new TestContext(model, tokenizer, backend, 7); // same seed: same captions
    const pFull = clip({ loss, accumulate: 1 });
    const pCached = clip({ loss, accumulate: k });
    await pFull.setup!(full);
    await pCached.setup!(cached);
    try {
      const a = await stepGradients(pFull, full, batch);
      const b = await stepGradients(pCached, cached, batch);
      expectClose(b.loss, a.loss, { atol: 1e-5, label: 'loss' });
      const byName = (m: Map<tf.Variable, tf.Tensor>, ctx: TestContext) => {
        const names = new Map<tf.Variable, string>([...ctx.model.namedParameters(), ...ctx.getModule(LOGIT_HEAD_MODULE).namedParameters('head')].map(([n, v]) => [v, n]));
        return new Map([...m].map(([v, g]) => [names.get(v)!, g]));
      };
      const ga = byName(a.grads, full);
      const gb = byName(b.grads, cached);
      expect([...gb.keys()].sort()).toEqual([...ga.keys()].sort());
      expect(ga.has('head.logit_scale')).toBe(true);
      if (loss === 'siglip') expect(ga.has('head.logit_bias')).toBe(true);
      for (const [name, g] of ga) expectClose(gb.get(name)!.dataSync(), g.dataSync(), { atol: 1e-5, rtol: 0, label: name });
      tf.dispose([...a.grads.values(), ...b.grads.values()]);
    } finally {
      cached.dispose();
    }
  });

  it('initialises the logit scale (and SigLIP bias) as open_clip, without weight decay', async () => {
    const c = context();
    await clip().setup!(c);
    const head = c.getModule<LogitHead>(LOGIT_HEAD_MODULE);
    expectClose(head.logScale.dataSync(), Math.log(1 / 0.07), { atol: 1e-6, label: 'ln(1/0.07)' });
    expect(head.bias).toBeUndefined();
    const s = context();
    await clip({ loss: 'siglip' }).setup!(s);
    const sig = s.getModule<LogitHead>(LOGIT_HEAD_MODULE);
    expectClose(sig.logScale.dataSync(), Math.log(10), { atol: 1e-6, label: 'ln 10' });
    expectClose(sig.bias!.dataSync(), -10, { atol: 0, label: 'bias' });
    expect(sig.parameters().every((v) => v.rank === 0)).toBe(true);
  });

  it('clamps the log scale to [0, ln maxLogitScale] after each step', async () => {
    const hi = context();
    const plugin = clip({ initLogitScale: 6, maxLogitScale: 50 });
    await plugin.setup!(hi);
    plugin.afterStep!(hi);
    expectClose(hi.getModule<LogitHead>(LOGIT_HEAD_MODULE).logScale.dataSync(), Math.log(50), { atol: 1e-6, label: 'upper clamp' });
    const lo = context();
    const low = clip({ initLogitScale: -1 });
    await low.setup!(lo);
    low.afterStep!(lo);
    expect(lo.getModule<LogitHead>(LOGIT_HEAD_MODULE).logScale.dataSync()[0]).toBe(0);
    const mid = context();
    const inRange = clip({ initLogitScale: 2 });
    await inRange.setup!(mid);
    inRange.afterStep!(mid);
    expectClose(mid.getModule<LogitHead>(LOGIT_HEAD_MODULE).logScale.dataSync(), 2, { atol: 1e-7, label: 'untouched' });
  });

  it('draws captions deterministically from the plugin stream', async () => {
    const ids = async (seed: number) => {
      const ctx = context(tinyDualEncoder(), seed);
      const plugin = clip();
      await plugin.setup!(ctx);
      const batch = await plugin.prepare!(samples.slice(0, 8), ctx);
      const out = Array.from(batch.ids.dataSync());
      tf.dispose([batch.ids, batch.images]);
      return out;
    };
    expect(await ids(5)).toEqual(await ids(5));
    expect(await ids(5)).not.toEqual(await ids(6));
  });

  it('names the problem with bad samples', async () => {
    const ctx = context();
    const plugin = clip();
    await plugin.setup!(ctx);
    await expect(plugin.prepare!([samples[0], { ...samples[1], captions: [] }], ctx)).rejects.toThrow(/sample ".*" needs "captions"/);
    await expect(plugin.prepare!([samples[0], { ...samples[1], image: undefined }], ctx)).rejects.toThrow(/has no "image"/);
    await expect(plugin.prepare!([samples[0]], ctx)).rejects.toThrow(/at least 2 samples/);
  });
});

const SHAPE_SWAP = [['circle', 'disc'], ['square', 'box'], 'triangle', 'star', ['cross', 'plus'], ['diamond', 'rhombus'], 'heart'];

describe('clip plugin with hard negatives', () => {
  it('adds perCaption shape-swapped copies of each caption to the batch, seeded', async () => {
    const batchOf = async (seed: number) => {
      const ctx = context(tinyDualEncoder(), seed);
      const plugin = clip({ hardNegatives: { swapGroups: [SHAPE_SWAP], perCaption: 2 } });
      await plugin.setup!(ctx);
      const batch = await plugin.prepare!(samples.slice(0, 6), ctx);
      const decode = (ids: tf.Tensor2D, lengths: number[]) =>
        (ids.arraySync() as number[][]).map((row, i) => tokenizer.decode(row.slice(1, lengths[i] - 1)));
      const out = { captions: decode(batch.ids, batch.lengths), negatives: decode(batch.negativeIds!, batch.negativeLengths!) };
      tf.dispose([batch.ids, batch.images, batch.negativeIds!]);
      return out;
    };
    const a = await batchOf(3);
    expect(a.negatives).toHaveLength(12); // every shapes caption names a shape
    const words = (t: string) => t.split(' ');
    a.negatives.forEach((neg, j) => {
      const cap = a.captions[Math.floor(j / 2)];
      const diff = words(neg).filter((w, k) => w !== words(cap)[k]);
      expect(words(neg)).toHaveLength(words(cap).length);
      expect(diff).toHaveLength(1); // exactly one word swapped...
      expect(SHAPE_SWAP.flat()).toContain(diff[0]); // ...for a shape word
    });
    expect(await batchOf(3)).toEqual(a);
  });

  it('raises the loss over the same batch without negatives', async () => {
    const withNeg = context(tinyDualEncoder(), 4);
    const without = context(tinyDualEncoder(), 4);
    const a = clip({ hardNegatives: { swapGroups: [SHAPE_SWAP] } });
    const b = clip();
    await a.setup!(withNeg);
    await b.setup!(without);
    const la = await stepGradients(a, withNeg, samples.slice(0, 8));
    const lb = await stepGradients(b, without, samples.slice(0, 8));
    expect(la.loss).toBeGreaterThan(lb.loss + 0.05);
    tf.dispose([...la.grads.values(), ...lb.grads.values()]);
  });
});

describe('clip plugin on a VisionLanguageModel', () => {
  it('registers a text tower and projections and trains the vision tower through them', async () => {
    const ctx = context(tinyVlm());
    const plugin = clip({ textMaxLength: 20, textTower: { layers: 1, embedDim: 8 } });
    await plugin.setup!(ctx);
    expect([...ctx.modules.keys()]).toEqual(['text', 'image_proj', 'text_proj', LOGIT_HEAD_MODULE]);
    const { loss, grads } = await stepGradients(plugin, ctx, samples.slice(0, 6));
    expect(Number.isFinite(loss)).toBe(true);
    const vision = new Set(ctx.model.getModule('vision').parameters());
    const lm = new Set(ctx.model.getModule('lm').parameters());
    const text = new Set(ctx.getModule('text').parameters());
    const touched = [...grads.keys()];
    expect(touched.some((v) => vision.has(v))).toBe(true);
    expect(touched.some((v) => text.has(v))).toBe(true);
    expect(touched.some((v) => lm.has(v))).toBe(false);
    tf.dispose([...grads.values()]);
  });
});

describe('clip options', () => {
  it('rejects bad options with the field named', () => {
    expect(() => clip({ accumulate: 0 })).toThrow(/clip\.options\.accumulate/);
    expect(() => clip({ loss: 'hinge' as 'siglip' })).toThrow(/clip\.options\.loss/);
    expect(() => clip({ initLogitBias: -5 })).toThrow(/clip\.options\.initLogitBias: a logit bias is only used by loss "siglip"/);
    expect(() => clip({ zeroShot: { templates: ['a photo'] } })).toThrow(/clip\.options\.zeroShot\.templates\.0: each template must contain "\{\}"/);
    expect(() => clip({ bogus: 1 } as never)).toThrow(/Invalid @vlalign\/clip options/);
    const hardNegatives = { swapGroups: [SHAPE_SWAP] };
    expect(() => clip({ loss: 'siglip', hardNegatives })).toThrow(/clip\.options\.hardNegatives: hard negatives are only supported with loss "infonce"/);
    expect(() => clip({ accumulate: 2, hardNegatives })).toThrow(/clip\.options\.hardNegatives: hard negatives need accumulate 1/);
    expect(() => clip({ hardNegatives: { swapGroups: [['circle', 'circle']] } })).toThrow(/clip\.options\.hardNegatives\.swapGroups: swap word "circle" appears more than once/);
    expect(() => clip({ hardNegatives: { swapGroups: [['circle']] } })).toThrow(/clip\.options\.hardNegatives\.swapGroups\.0/);
  });

  it('uses computeGradients only when accumulating', () => {
    expect(clip().loss).toBeTypeOf('function');
    expect(clip().computeGradients).toBeUndefined();
    expect(clip({ accumulate: 2 }).computeGradients).toBeTypeOf('function');
    expect(clip({ accumulate: 2 }).loss).toBeUndefined();
  });
});
