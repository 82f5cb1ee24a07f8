import type * as tf from '@tensorflow/tfjs-core';
import { disposeAttentionCache } from '../nn/attention.js';
import type { BlockCache } from '../nn/transformer-block.js';

/**
 * The key/value cache of a {@link CausalLM} for incremental decoding: one slot per block, the key
 * mask seen so far, and the number of cached positions. Create it with `lm.createCache()`, pass it
 * to successive `forward` calls (not under a gradient tape), and `dispose()` it when done.
 */
export class KVCache {
  /** One slot per transformer block. */
  readonly blocks: BlockCache[];
  /** Cached positions so far (the next call's first position). */
  length = 0;
  /** `[B, length]` 0/1 key mask of the cached positions, when any call passed a mask. */
  mask?: tf.Tensor2D;

  constructor(numBlocks: number) {
    this.blocks = Array.from({ length: numBlocks }, () => ({ self: {} }));
  }

  /** Frees every cached tensor; the cache can then be reused from position 0. */
  dispose(): void {
    for (const b of this.blocks) {
      disposeAttentionCache(b.self);
      if (b.cross) disposeAttentionCache(b.cross);
    }
    this.mask?.dispose();
    this.mask = undefined;
    this.length = 0;
  }
}
