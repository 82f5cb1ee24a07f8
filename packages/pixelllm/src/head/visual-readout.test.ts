import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, initBackend, tf } from '@vlalign/core';
import { PointHead } from './point-head.js';
import { gridCentres } from './visual-readout.js';

/**
 * A localisation task only the visual readout can solve: each row's query feature is a random
 * "marker" vector, the marker is planted in one random visual token (the others are noise), and
 * the target is that token's cell (both corners at its centre). The query alone says nothing about
 * the position, so a head that does not look at the visual tokens can only predict the mean.
 */
function markerBatch(rows: number, grid: number, width: number, seed: number): { hidden: tf.Tensor2D; visual: tf.Tensor3D; target: tf.Tensor3D } {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const centres = gridCentres(grid * grid);
  const where: number[] = [];
  return tf.tidy(() => {
    const markers = tf.randomNormal([rows, width], 0, 1, 'float32', seed) as tf.Tensor2D;
    const noise = tf.randomNormal([rows, grid * grid, width], 0, 1, 'float32', seed + 1);
    const mask: number[] = [];
    for (let r = 0; r < rows; r++) {
      const k = Math.floor(rand() * grid * grid);
      where.push(k);
      for (let j = 0; j < grid * grid; j++) mask.push(j === k ? 1 : 0);
    }
    const m = tf.tensor3d(mask, [rows, grid * grid, 1]);
    const visual = tf.add(tf.mul(noise, tf.sub(1, m)), tf.mul(tf.expandDims(markers, 1), m)) as tf.Tensor3D;
    const t = where.flatMap((k) => [centres[2 * k], centres[2 * k + 1], centres[2 * k], centres[2 * k + 1]]);
    return { hidden: markers, visual, target: tf.tensor3d(t, [rows, 2, 2]) };
  });
}

function trainHead(head: PointHead, steps: number): number {
  const opt = new AdamW({ weightDecay: 0 });
  const vars = head.trainableParameters();
  let last = Infinity;
  for (let step = 0; step < steps; step++) {
    const { hidden, visual, target } = markerBatch(32, 4, 16, 100 + step);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.abs(tf.sub(head.forward(hidden, visual), target))) as tf.Scalar, vars);
    opt.step(grads, 3e-3);
    last = value.dataSync()[0];
    tf.dispose([value, hidden, visual, target, ...Object.values(grads)]);
  }
  opt.dispose();
  // Held-out batch.
  const { hidden, visual, target } = markerBatch(64, 4, 16, 9999);
  const l1 = tf.tidy(() => tf.mean(tf.abs(tf.sub(head.forward(hidden, visual), target))).dataSync()[0]);
  tf.dispose([hidden, visual, target]);
  return Number.isFinite(last) ? l1 : NaN;
}

describe('PointHead visual-attention readout', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('lays the token grid out in ViT raster order and rejects a non-square map', () => {
    expect(Array.from(gridCentres(4))).toEqual([0.25, 0.25, 0.75, 0.25, 0.25, 0.75, 0.75, 0.75]);
    expect(Array.from(gridCentres(64).slice(2 * 9, 2 * 9 + 2))).toEqual([1.5 / 8, 1.5 / 8]);
    expect(() => gridCentres(12)).toThrow(/square token map, got 12/);
  });

  it('starts at the attention centre: identical visual tokens give (0.5, 0.5) for every token and point', () => {
    const head = new PointHead(16, { readout: 'visual-attention', seed: 3 });
    tf.tidy(() => {
      const hidden = tf.randomNormal([2, 5, 16], 0, 1, 'float32', 1);
      const visual = tf.tile(tf.randomNormal([1, 1, 16], 0, 1, 'float32', 2), [2, 16, 1]);
      const out = head.forward(hidden, visual);
      expect(out.shape).toEqual([2, 5, 2, 2]);
      for (const v of out.dataSync()) expect(v).toBeCloseTo(0.5, 6);
      // [N, D] features (one picked token per row) give [N, P, 2].
      const picked = head.forward(tf.randomNormal([2, 16], 0, 1, 'float32', 4), visual);
      expect(picked.shape).toEqual([2, 2, 2]);
    });
    expect(head.namedParameters().map(([n]) => n)).toEqual(expect.arrayContaining(['readout.visual_norm.weight', 'readout.query.weight', 'readout.key.weight', 'out.weight']));
    expect(() => tf.tidy(() => head.forward(tf.zeros([2, 5, 16])))).toThrow(/visual tokens \[2, Nv, 16\], got none/);
    expect(() => tf.tidy(() => head.forward(tf.zeros([2, 5, 16]), tf.zeros([3, 16, 16])))).toThrow(/\[2, Nv, 16\], got \[3,16,16\]/);
    expect(() => new PointHead(16, { readout: 'conv' as never })).toThrow(/"readout" must be 'mlp' or 'visual-attention'/);
    // The auxiliary direct prediction is PixelLLM's MLP on the word feature alone.
    expect(head.directAuxiliary).toBe(true);
    tf.tidy(() => {
      const hidden = tf.randomNormal([2, 5, 16], 0, 1, 'float32', 1);
      const visual = tf.randomNormal([2, 16, 16], 0, 1, 'float32', 5);
      const { points, direct } = head.forwardWithDirect(hidden, visual);
      expect(points.shape).toEqual([2, 5, 2, 2]);
      expect(Array.from(direct!.dataSync())).toEqual(Array.from((head.getModule('direct') as PointHead).forward(hidden).dataSync()));
      // The direct prediction does not look at the image.
      expect(Array.from(head.forwardWithDirect(hidden, tf.zerosLike(visual)).direct!.dataSync())).toEqual(Array.from(direct!.dataSync()));
    });
    const plain = new PointHead(16, { readout: 'visual-attention', directAuxiliary: false });
    expect(plain.namedParameters().some(([n]) => n.startsWith('direct.'))).toBe(false);
    expect(new PointHead(16).directAuxiliary).toBe(false);
    plain.dispose();
    head.dispose();
  });

  it('learns where a queried token is, which the MLP readout cannot, with a flat tensor count', () => {
    const before = tf.memory().numTensors;
    const attend = new PointHead(16, { readout: 'visual-attention', seed: 1, directAuxiliary: false });
    const mlp = new PointHead(16, { seed: 1 });
    const l1Attend = trainHead(attend, 150);
    const l1Mlp = trainHead(mlp, 150);
    // Chance (predicting the mean of a uniform 4x4 grid's centres) is 0.25 per coordinate.
    expect(l1Attend).toBeLessThan(0.06);
    expect(l1Mlp).toBeGreaterThan(0.15);
    attend.dispose();
    mlp.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('passes the point loss back into the visual tokens only with readoutGradToVisual (default off)', () => {
    const norms = [true, undefined].map((flow) => {
      const head = new PointHead(16, { readout: 'visual-attention', seed: 2, ...(flow === undefined ? {} : { readoutGradToVisual: flow }) });
      const n = tf.tidy(() => {
        const hidden = tf.randomNormal([2, 3, 16], 0, 1, 'float32', 1);
        const visual = tf.randomNormal([2, 16, 16], 0, 1, 'float32', 5);
        const [gHidden, gVisual] = tf.grads((h: tf.Tensor, v: tf.Tensor) => tf.sum(head.forward(h, v)))([hidden, visual]);
        return [tf.norm(gHidden).dataSync()[0], tf.norm(gVisual).dataSync()[0]];
      });
      head.dispose();
      return n;
    });
    expect(norms[0][0]).toBeGreaterThan(0);
    expect(norms[0][1]).toBeGreaterThan(0);
    expect(norms[1][0]).toBeGreaterThan(0);
    expect(norms[1][1]).toBe(0);
  });
});
