/**
 * A small, fast, seedable pseudo-random generator: xoshiro128** (Blackman & Vigna, 2018), seeded by
 * SplitMix64. Its whole state is four 32-bit words, so it can be saved in a checkpoint and restored
 * to continue the exact same sequence.
 */

/** The serialisable state of a {@link SeededRandom}: four unsigned 32-bit words. */
export interface SeededRandomState {
  /** Always 'xoshiro128**' (checked on restore so a state from another generator is refused). */
  algorithm: 'xoshiro128**';
  s: [number, number, number, number];
}

const MASK64 = (1n << 64n) - 1n;

/** One SplitMix64 step: returns [next state, output]. Used only for seeding (BigInt is fine there). */
function splitMix64(state: bigint): [bigint, bigint] {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [next, z ^ (z >> 31n)];
}

function checkSeed(seed: number, what = 'seed'): void {
  if (!Number.isSafeInteger(seed)) {
    throw new TypeError(`${what} must be a safe integer, got ${String(seed)}`);
  }
}

/**
 * Derives an independent 32-bit seed from a base seed and any number of integer parts (epoch,
 * rank, worker...). Equal inputs give equal outputs; changing any part changes the stream.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  checkSeed(seed);
  let state = BigInt.asUintN(64, BigInt(seed));
  let out: bigint;
  [state, out] = splitMix64(state);
  for (const part of parts) {
    checkSeed(part, 'seed part');
    [state, out] = splitMix64(state ^ out ^ BigInt.asUintN(64, BigInt(part)));
  }
  [, out] = splitMix64(state ^ out);
  return Number(out & 0xffffffffn);
}

/**
 * Seeded PRNG with uniform floats, unbiased integers, Fisher–Yates shuffling, normal samples and a
 * save/restore state.
 *
 * @example
 * const rng = new SeededRandom(42);
 * rng.int(10);               // 0..9
 * const saved = rng.getState();
 * const a = rng.next();
 * rng.setState(saved);
 * rng.next() === a;          // true
 */
export class SeededRandom {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** @param seed any safe integer; the four state words are filled by SplitMix64 from it. */
  constructor(seed: number) {
    checkSeed(seed);
    let state = BigInt.asUintN(64, BigInt(seed));
    let a: bigint;
    let b: bigint;
    [state, a] = splitMix64(state);
    [, b] = splitMix64(state);
    this.s0 = Number(a & 0xffffffffn);
    this.s1 = Number(a >> 32n);
    this.s2 = Number(b & 0xffffffffn);
    this.s3 = Number(b >> 32n);
    // xoshiro's all-zero state is a fixed point; SplitMix64 cannot give it, but guard anyway.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next raw unsigned 32-bit output. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in [0, n) without modulo bias. `n` must be an integer in [1, 2^32]. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw new RangeError(`SeededRandom.int(n) needs an integer 1 <= n <= 2^32, got ${n}`);
    }
    if (n === 4294967296) return this.nextUint32();
    // Reject the low values that would make `r % n` favour small results.
    const threshold = (4294967296 - n) % n;
    for (;;) {
      const r = this.nextUint32();
      if (r >= threshold) return r % n;
    }
  }

  /** A standard normal sample (Box–Muller; one output per call, so the state stays 4 words). */
  normal(): number {
    const u1 = 1 - this.next(); // (0, 1], so log is finite
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Shuffles `arr` in place (Fisher–Yates) and returns it. */
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return arr;
  }

  /** The generator state; JSON-serialisable. */
  getState(): SeededRandomState {
    return { algorithm: 'xoshiro128**', s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0] };
  }

  /** Restores a state from {@link getState}; the sequence continues exactly where it was saved. */
  setState(state: SeededRandomState): void {
    const ok =
      state !== null &&
      typeof state === 'object' &&
      state.algorithm === 'xoshiro128**' &&
      Array.isArray(state.s) &&
      state.s.length === 4 &&
      state.s.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) &&
      state.s.some((w) => w !== 0);
    if (!ok) {
      throw new TypeError(
        `SeededRandom.setState: expected { algorithm: 'xoshiro128**', s: [4 non-zero-in-total uint32] }, got ${JSON.stringify(state)}`,
      );
    }
    [this.s0, this.s1, this.s2, this.s3] = state.s.map((w) => w | 0) as [number, number, number, number];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
