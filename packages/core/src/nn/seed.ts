/**
 * Derives a child seed from a base seed and a name, so every parameter of a model gets its own
 * reproducible random stream (the same base seed always gives the same model, and renaming or adding
 * one layer does not shift the initialisation of the others).
 *
 * @param base - the parent's seed (any finite number; it is truncated to 32 bits)
 * @param parts - names or indices identifying the child, e.g. `('blocks', 0, 'attn')`
 * @returns a non-negative 31-bit integer
 */
export function deriveSeed(base: number, ...parts: (string | number)[]): number {
  if (!Number.isFinite(base)) throw new Error(`deriveSeed: base seed must be a finite number, got ${base}`);
  // FNV-1a over the base seed's bytes and the names: cheap, stable across runs and platforms.
  let h = 0x811c9dc5 ^ (Math.trunc(base) >>> 0);
  h = Math.imul(h, 0x01000193) >>> 0;
  const text = parts.join('.');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // One round of a murmur-style finaliser spreads nearby inputs apart.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h & 0x7fffffff;
}

/**
 * A small seeded uniform [0, 1) generator (mulberry32). Used where JS-side randomness must be
 * reproducible: dropout seeds and token sampling during generation.
 */
export function createRng(seed: number): () => number {
  let a = Math.trunc(seed) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seed safe to pass to tfjs random ops (`tf.randomNormal`, `tf.truncatedNormal`, ...), which treat
 * 0 (and undefined) as "unseeded" and fall back to Math.random — so seed 0 would not reproduce.
 */
export function tfSeed(seed: number): number {
  return seed === 0 ? 0x2545f491 : seed;
}
