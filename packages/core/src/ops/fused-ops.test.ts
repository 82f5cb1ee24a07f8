import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { gelu } from '../nn/activations.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { AdamW } from '../optim/adamw.js';
import { fusedAttention, fusedMultiHeadAttention, multiHeadAttentionKernelReplaced } from './attention.js';
import { MultiHeadAttention } from '../nn/attention.js';
import { fusedGelu } from './gelu.js';
import { fusedLayerNorm } from './layer-norm.js';
import { fusedLinear } from './linear.js';
import { addSameShape } from './residual-add.js';
import { fusedAdamWUpdate, fusedAdamWUpdateMany } from './adamw-update.js';
import { Linear } from '../nn/linear.js';
import { fusedFromEnv, fusedOpsEnabled, setFusedOps, useFusedOps } from './fused-switch.js';
import { relDiff } from './testing-compare.js';

const TOL = 1e-5;

// Plain compositions, written out here independently of the layers' own fallback code.
function plainLayerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const axis = x.rank - 1;
  const c = tf.sub(x, tf.mean(x, axis, true));
  return tf.add(tf.mul(tf.mul(c, tf.rsqrt(tf.add(tf.mean(tf.square(c), axis, true), eps))), g), b);
}
function plainGelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}
function plainAttention(q: tf.Tensor, kT: tf.Tensor, v: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const s = tf.matMul(q, kT);
  return tf.matMul(tf.softmax(bias ? tf.add(s, bias) : s), v);
}

let seed = 100;
const rnd = (shape: number[], scale = 1) => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed++), scale);

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fused ops on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
      setFusedOps(true);
    });
    afterAll(() => setFusedOps(true));

    it('the switch: VLALIGN_FUSED=0 reads as off, unset as on; setFusedOps overrides it', () => {
      expect(fusedFromEnv(undefined)).toBe(true);
      expect(fusedFromEnv('1')).toBe(true);
      expect(fusedFromEnv('0')).toBe(false);
      expect(fusedFromEnv('off')).toBe(false);
      setFusedOps(false);
      expect(fusedOpsEnabled()).toBe(false);
      expect(useFusedOps()).toBe(false);
      setFusedOps(true);
      expect(useFusedOps()).toBe(true);
      expect(() => setFusedOps('no' as unknown as boolean)).toThrow(/boolean/);
    });

    it('GELU: forward and gradient match the plain composition (random shapes)', () => {
      for (const shape of [[7], [3, 5, 11], [2, 64]]) {
        tf.tidy(() => {
          const x = rnd(shape, 3);
          const w = rnd(shape);
          expect(relDiff(fusedGelu(x), plainGelu(x))).toBeLessThan(TOL);
          const gf = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(fusedGelu(a), w)))(x);
          const gp = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(plainGelu(a), w)))(x);
          expect(relDiff(gf, gp)).toBeLessThan(TOL);
          // The public gelu() takes the fused path, and gives the same result with it switched off.
          setFusedOps(false);
          const off = gelu(x);
          setFusedOps(true);
          expect(relDiff(gelu(x), off)).toBeLessThan(TOL);
        });
      }
    });

    it('LayerNorm: forward and gradients (x, gamma, beta) match the plain composition', () => {
      for (const shape of [[4, 8], [2, 3, 16], [1, 5, 33]]) {
        tf.tidy(() => {
          const d = shape[shape.length - 1];
          const x = tf.add(rnd(shape, 2), 1.5);
          const g = tf.add(rnd([d], 0.3), 1);
          const b = rnd([d], 0.3);
          const w = rnd(shape);
          expect(relDiff(fusedLayerNorm(x, g, b, 1e-5), plainLayerNorm(x, g, b, 1e-5))).toBeLessThan(TOL);
          const f = (fn: typeof plainLayerNorm) => tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(fn(a, gg, bb, 1e-5), w)))([x, g, b]);
          const gf = f(fusedLayerNorm);
          const gp = f(plainLayerNorm);
          for (let i = 0; i < 3; i++) expect(relDiff(gf[i], gp[i])).toBeLessThan(TOL);
        });
      }
    });

    it('LayerNorm module: fused and plain paths agree; a constant row gives no NaN', () => {
      tf.tidy(() => {
        const ln = new LayerNorm(6);
        const x = tf.concat([rnd([3, 6]), tf.fill([1, 6], 2.5)], 0);
        const fused = ln.forward(x);
        setFusedOps(false);
        const plain = ln.forward(x);
        setFusedOps(true);
        expect(relDiff(fused, plain)).toBeLessThan(TOL);
        expect(Array.from(fused.dataSync()).every(Number.isFinite)).toBe(true);
        ln.dispose();
      });
    });

    it('Linear: forward and gradients (x, w, bias) match tf.fused.matMul on 2-D views, with and without bias', () => {
      for (const shape of [[6, 5], [2, 3, 5], [2, 2, 3, 5]]) {
        for (const withBias of [true, false]) {
          tf.tidy(() => {
            const x = rnd(shape);
            const w = rnd([5, 7]);
            const bias = withBias ? rnd([7]) : undefined;
            const dy = rnd([...shape.slice(0, -1), 7]);
            const plain = (a: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) => tf.reshape(tf.fused.matMul({ a: tf.reshape(a, [-1, 5]) as tf.Tensor2D, b: ww as tf.Tensor2D, bias: bb }), [...shape.slice(0, -1), 7]);
            expect(relDiff(fusedLinear(x, w, bias), plain(x, w, bias))).toBeLessThan(TOL);
            const args = withBias ? [x, w, bias!] : [x, w];
            const f = (fn: typeof plain) => tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(fn(t[0], t[1], t[2]), dy)))(args);
            const gf = f(fusedLinear);
            const gp = f(plain);
            expect(gf.length).toBe(args.length);
            for (let i = 0; i < args.length; i++) expect(relDiff(gf[i], gp[i])).toBeLessThan(TOL);
          });
        }
      }
    });

    it('Linear module: fused and plain paths give the same output and gradients', () => {
      const lin = new Linear(5, 4, { seed: 3 });
      tf.tidy(() => {
        const x = rnd([2, 3, 5]);
        const run = () => {
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(lin.forward(x))), [lin.weight, lin.bias!]);
          return [value, grads[lin.weight.name], grads[lin.bias!.name]];
        };
        const fused = run();
        setFusedOps(false);
        const plain = run();
        setFusedOps(true);
        for (let i = 0; i < 3; i++) expect(relDiff(fused[i], plain[i])).toBeLessThan(TOL);
      });
      lin.dispose();
    });

    it('attention: forward and gradients (q, kT, v) match, with and without a mask bias', () => {
      for (const [b, h, t, s, dh] of [[2, 2, 5, 5, 4], [1, 3, 4, 7, 8]]) {
        for (const withBias of [false, true]) {
          tf.tidy(() => {
            const q = rnd([b, h, t, dh]) as tf.Tensor4D;
            const kT = rnd([b, h, dh, s]) as tf.Tensor4D;
            const v = rnd([b, h, s, dh]) as tf.Tensor4D;
            const w = rnd([b, h, t, dh]);
            const bias = withBias ? tf.mul(tf.cast(tf.greater(tf.randomUniform([b, 1, t, s], 0, 1, 'float32', seed++), 0.7), 'float32'), -1e9) : undefined;
            expect(relDiff(fusedAttention(q, kT, v, bias), plainAttention(q, kT, v, bias))).toBeLessThan(TOL);
            const f = (fn: (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.Tensor) => tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(fn(a, c, d), w)))([q, kT, v]);
            const gf = f((a, c, d) => fusedAttention(a as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor4D, bias));
            const gp = f((a, c, d) => plainAttention(a, c, d, bias));
            for (let i = 0; i < 3; i++) expect(relDiff(gf[i], gp[i])).toBeLessThan(TOL);
          });
        }
      }
    });

    it('multi-head attention from projections: forward and gradients (q, k, v) match, self and cross, with and without a bias', () => {
      const heads = (x: tf.Tensor, h: number) => tf.transpose(tf.reshape(x, [x.shape[0], x.shape[1] as number, h, -1]), [0, 2, 1, 3]);
      const plain = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, h: number, scale: number, bias?: tf.Tensor) => {
        const [b, t, d] = q.shape;
        const o = plainAttention(tf.mul(heads(q, h), scale), tf.transpose(heads(k, h), [0, 1, 3, 2]), heads(v, h), bias);
        return tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [b, t, d]);
      };
      for (const [b, h, t, s, dh] of [[2, 2, 5, 5, 4], [1, 3, 4, 7, 8]]) {
        for (const withBias of [false, true]) {
          tf.tidy(() => {
            const q = rnd([b, t, h * dh]);
            const k = rnd([b, s, h * dh]);
            const v = rnd([b, s, h * dh]);
            const w = rnd([b, t, h * dh]);
            const scale = 1 / Math.sqrt(dh);
            const bias = withBias ? tf.mul(tf.cast(tf.greater(tf.randomUniform([b, 1, t, s], 0, 1, 'float32', seed++), 0.7), 'float32'), -1e9) : undefined;
            expect(relDiff(fusedMultiHeadAttention(q, k, v, h, scale, bias), plain(q, k, v, h, scale, bias))).toBeLessThan(TOL);
            const f = (fn: typeof plain) => tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(fn(a, c, d, h, scale, bias), w)))([q, k, v]);
            const gf = f(fusedMultiHeadAttention);
            const gp = f(plain);
            for (let i = 0; i < 3; i++) expect(relDiff(gf[i], gp[i])).toBeLessThan(TOL);
          });
        }
      }
      expect(() => fusedMultiHeadAttention(tf.ones([1, 2, 6]), tf.ones([1, 3, 6]), tf.ones([1, 3, 6]), 4, 1)).toThrow(/multiple of heads/);
      // Only core's composite is registered here, so MultiHeadAttention keeps the head-split composition.
      expect(multiHeadAttentionKernelReplaced()).toBe(false);
    });

    it('MultiHeadAttention module: fused and plain paths give the same output and gradients (causal self-attention, cross-attention)', () => {
      const attn = new MultiHeadAttention(8, 2, { seed: 5 });
      const cross = new MultiHeadAttention(8, 2, { kvDim: 6, seed: 6 });
      tf.tidy(() => {
        const x = rnd([2, 5, 8]);
        const ctx = rnd([2, 3, 6]);
        const keyMask = tf.tensor2d([[1, 1, 0], [1, 1, 1]]);
        const vars = [...attn.parameters(), ...cross.parameters()];
        const run = () => {
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(cross.forward(attn.forward(x, { causal: true }), { context: ctx, keyMask }))), vars);
          return [value, ...vars.map((p) => grads[p.name])];
        };
        const fused = run();
        setFusedOps(false);
        const plainRun = run();
        setFusedOps(true);
        expect(fused.length).toBe(plainRun.length);
        // k_proj's bias gets a zero gradient in exact arithmetic (softmax ignores a per-query constant): compare with a floor.
        for (let i = 0; i < fused.length; i++) expect(relDiff(fused[i], plainRun[i], 1e-3), `output ${i} [${fused[i].shape}]`).toBeLessThan(TOL);
      });
      attn.dispose();
      cross.dispose();
    });

    it('AdamW: fused update matches the plain update over 5 steps (decay and no-decay variables)', () => {
      const run = (fused: boolean) => {
        setFusedOps(fused);
        const w = tf.variable(tf.randomNormal([5, 7], 0, 1, 'float32', 1), true, `w_${backend}_${fused}`);
        const b = tf.variable(tf.randomNormal([7], 0, 1, 'float32', 2), true, `b_${backend}_${fused}`);
        const opt = new AdamW({ weightDecay: 0.1 });
        const counts: number[] = [];
        for (let s = 0; s < 5; s++) {
          const g = { [w.name]: tf.randomNormal([5, 7], 0, 1, 'float32', 10 + s), [b.name]: tf.randomNormal([7], 0, 1, 'float32', 20 + s) };
          opt.step(g, 1e-2);
          counts.push(tf.memory().numTensors);
          tf.dispose(Object.values(g));
        }
        // The first step creates the moment slots; after that the count stays flat.
        expect(new Set(counts.slice(1)).size).toBe(1);
        const out = [Array.from(w.dataSync()), Array.from(b.dataSync())];
        opt.dispose();
        tf.dispose([w, b]);
        setFusedOps(true);
        return out;
      };
      const fused = run(true);
      const plain = run(false);
      expect(relDiff(fused[0], plain[0])).toBeLessThan(TOL);
      expect(relDiff(fused[1], plain[1])).toBeLessThan(TOL);
    });

    it('AdamW: one kernel for many variables equals one kernel per variable', () => {
      tf.tidy(() => {
        const items = [[5, 7], [7], [3, 2, 2]].map((shape, i) => ({
          p: rnd(shape),
          m: rnd(shape, 0.1),
          v: tf.abs(rnd(shape, 0.01)),
          g: rnd(shape),
          bc1: 1 - 0.9 ** (i + 1),
          bc2: 1 - 0.999 ** (i + 1),
          decay: i === 1 ? 1 : 0.999,
        }));
        const hyper = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
        const many = fusedAdamWUpdateMany(items, hyper);
        items.forEach((it, i) => {
          const one = fusedAdamWUpdate(it.p, it.m, it.v, it.g, { ...hyper, bc1: it.bc1, bc2: it.bc2, decay: it.decay });
          for (let j = 0; j < 3; j++) expect(Array.from(many[i][j].dataSync())).toEqual(Array.from(one[j].dataSync()));
        });
        expect(fusedAdamWUpdateMany([], hyper)).toEqual([]);
      });
    });

    it('same-shape add: forward and gradients equal tf.add (also x + x and an input used twice); broadcasts fall back', () => {
      tf.tidy(() => {
        const a = rnd([2, 3, 4]);
        const b = rnd([2, 3, 4]);
        const w = rnd([2, 3, 4]);
        expect(Array.from(addSameShape(a, b).dataSync())).toEqual(Array.from(tf.add(a, b).dataSync()));
        const f = (add: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) =>
          tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(add(add(x, y), add(x, x)), add(w, tf.mul(x, y)))))([a, b]);
        const gf = f(addSameShape);
        const gp = f((x, y) => tf.add(x, y));
        for (let i = 0; i < 2; i++) expect(relDiff(gf[i], gp[i])).toBeLessThan(TOL);
        const row = rnd([4]);
        expect(addSameShape(a, row).shape).toEqual([2, 3, 4]);
      });
      const x = rnd([3, 5]);
      const before = tf.memory().numTensors;
      tf.dispose(tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(addSameShape(addSameShape(p, q), p)))([x, x]));
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });

    it('fused kernels leak no tensors under tf.grad', () => {
      const x = rnd([4, 8]);
      const g = tf.ones([8]);
      const b = tf.zeros([8]);
      const count = () => {
        const before = tf.memory().numTensors;
        tf.dispose(tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(fusedGelu(fusedLayerNorm(a, gg, bb, 1e-5))))([x, g, b]));
        // Only some of the gradients the Linear kernel computes are asked for here (not w's or bias's).
        const w = tf.ones([8, 3]);
        const wb = tf.zeros([3]);
        tf.dispose(tf.grad((a: tf.Tensor) => tf.sum(fusedLinear(a, w, wb)))(x));
        tf.dispose([w, wb]);
        return tf.memory().numTensors - before;
      };
      expect(count()).toBe(0);
      expect(count()).toBe(0);
      tf.dispose([x, g, b]);
    });

    it('rejects bad input with a clear error', () => {
      tf.tidy(() => {
        expect(() => fusedLayerNorm(tf.ones([2, 4]), tf.ones([3]), tf.zeros([4]), 1e-5)).toThrow(/gamma and beta of shape \[4\]/);
        expect(() => fusedGelu(tf.ones([2], 'int32'))).toThrow(/float32/);
        expect(() => fusedAttention(tf.ones([1, 1, 2, 3]) as tf.Tensor4D, tf.ones([1, 1, 4, 2]) as tf.Tensor4D, tf.ones([1, 1, 2, 3]) as tf.Tensor4D)).toThrow(/do not line up/);
      });
    });
  });
}
