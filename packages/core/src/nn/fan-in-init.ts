import * as tf from '@tensorflow/tfjs-core';
import { Linear } from './linear.js';
import type { Module } from './module.js';
import { deriveSeed, tfSeed } from './seed.js';

/**
 * Re-initialises the weight of every `Linear` in `module`'s tree with PyTorch's default for
 * `nn.Linear` (`kaiming_uniform_(a=√5)`: uniform in ±1/√fan-in, i.e. std 1/√(3·fan-in)); biases,
 * embeddings, norms and position embeddings keep their values.
 *
 * Why: vlalign's default (truncated normal, std 0.02, the GPT-2 / ViT convention) is 3.6x smaller
 * than this at width 64, and on the small shapes-world models it slows contrastive training a lot
 * (measured in a PyTorch twin of `examples/clip.yaml`: text->image R@5 0.70 vs 0.89 and zero-shot
 * 0.24 vs 0.48 after 1200 steps; see the clip README). Opt-in, so results measured with the
 * default do not move. Each layer's draw is seeded from `seed` and its path in the tree.
 */
export function applyFanInInit(module: Module, seed = 0): void {
  for (const [path, m] of module.namedModules()) {
    if (!(m instanceof Linear)) continue;
    const [fanIn] = m.weight.shape;
    const bound = 1 / Math.sqrt(fanIn);
    const w = tf.randomUniform(m.weight.shape, -bound, bound, 'float32', tfSeed(deriveSeed(seed, `fan-in:${path}`)));
    m.weight.assign(w);
    w.dispose();
  }
}
