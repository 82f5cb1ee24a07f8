import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { SeededRandom, deriveSeed } from './seeded-random.js';

// Made by fixtures/make-seeded-random-fixture.py from the published xoshiro128** / SplitMix64 algorithms.
const fixture = JSON.parse(readFileSync(new URL('./fixtures/seeded-random.fixture.json', import.meta.url), 'utf8')) as {
  seeds: { seed: number; uint32: number[]; ints: { n: number[]; values: number[] }; shuffle12: number[] }[];
};

describe('SeededRandom', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('matches the independent Python reference (raw words, ints, shuffle)', () => {
    for (const ref of fixture.seeds) {
      let rng = new SeededRandom(ref.seed);
      expect(ref.uint32.map(() => rng.nextUint32())).toEqual(ref.uint32);
      rng = new SeededRandom(ref.seed);
      expect(ref.ints.n.map((n) => rng.int(n))).toEqual(ref.ints.values);
      rng = new SeededRandom(ref.seed);
      expect(rng.shuffle([...Array(12).keys()])).toEqual(ref.shuffle12);
    }
  });

  it('next() is in [0, 1) and roughly uniform; normal() has mean 0, variance 1', () => {
    const rng = new SeededRandom(3);
    let sum = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < 20000; i++) {
      const v = rng.next();
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / 20000).toBeCloseTo(0.5, 1);
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < 20000; i++) {
      const v = rng.normal();
      s += v;
      s2 += v * v;
    }
    expect(Math.abs(s / 20000)).toBeLessThan(0.05);
    expect(Math.abs(s2 / 20000 - 1)).toBeLessThan(0.05);
  });

  it('state round-trips through JSON and continues the same sequence', () => {
    const rng = new SeededRandom(9);
    rng.next();
    const saved = JSON.parse(JSON.stringify(rng.getState()));
    const expected = [rng.nextUint32(), rng.int(7), rng.next()];
    const other = new SeededRandom(1);
    other.setState(saved);
    expect([other.nextUint32(), other.int(7), other.next()]).toEqual(expected);
  });

  it('rejects bad seeds, bad ranges and foreign states with clear errors', () => {
    expect(() => new SeededRandom(1.5)).toThrow(/seed must be a safe integer/);
    expect(() => new SeededRandom(1).int(0)).toThrow(/1 <= n <= 2\^32/);
    expect(() => new SeededRandom(1).setState({ algorithm: 'mt', s: [1, 2, 3, 4] } as never)).toThrow(/xoshiro128/);
    expect(() => new SeededRandom(1).setState({ algorithm: 'xoshiro128**', s: [0, 0, 0, 0] })).toThrow(/setState/);
  });

  it('deriveSeed separates streams by every part', () => {
    const a = deriveSeed(1, 0, 0);
    expect(deriveSeed(1, 0, 0)).toBe(a);
    expect(new Set([a, deriveSeed(1, 1, 0), deriveSeed(1, 0, 1), deriveSeed(2, 0, 0), deriveSeed(1, 0)]).size).toBe(5);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThanOrEqual(0xffffffff);
  });
});
