import { Module, tf } from '@vlalign/core';

/**
 * Holds one LoRA factor as its `weight` parameter, so the factors of a layer at `path` are named
 * `<path>.lora_A.weight` and `<path>.lora_B.weight` like PEFT's (whose factors are `nn.Linear`s).
 */
export class LoraMatrix extends Module {
  readonly weight: tf.Variable;

  /** Takes ownership of `init`. */
  constructor(init: tf.Tensor2D) {
    super();
    this.weight = this.registerParameter('weight', init);
  }
}
