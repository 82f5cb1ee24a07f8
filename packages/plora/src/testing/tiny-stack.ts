import { Linear, Module, ModuleList, TransformerBlock, tf, type LinearContext } from '@vlalign/core';

/**
 * A tiny transformer stack built from core nn for tests: `blocks` of TransformerBlock (attention
 * q/k/v/out_proj + MLP fc1/fc2) and a `head` Linear. `forward` passes the visual mask to every
 * linear layer, as the models do.
 */
export class TinyStack extends Module {
  readonly blocks: ModuleList<TransformerBlock>;

  constructor(readonly dim = 16, layers = 2, seed = 0) {
    super();
    this.blocks = this.registerModule('blocks', new ModuleList<TransformerBlock>());
    for (let i = 0; i < layers; i++) this.blocks.push(new TransformerBlock(dim, 2, 2 * dim, { seed: seed + i + 1 }));
    this.registerModule('head', new Linear(dim, 3, { seed: seed + 100 }));
  }

  get head(): Linear {
    return this.getModule('head') as Linear;
  }

  forward(x: tf.Tensor, visualMask?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const ctx: LinearContext | undefined = visualMask ? { visualMask } : undefined;
      let h = x;
      for (const block of this.blocks) h = block.forward(h, { ctx });
      return (this.getModule('head') as Module & { forward(x: tf.Tensor, c?: LinearContext): tf.Tensor }).forward(h, ctx);
    });
  }
}

/**
 * Plain SGD on the model's trainable parameters for `steps` steps of `loss` (which runs inside
 * the gradient tape). Returns the loss values.
 */
export function sgdSteps(model: Module, loss: () => tf.Scalar, steps: number, lr = 0.05): number[] {
  const values: number[] = [];
  for (let s = 0; s < steps; s++) {
    const vars = model.trainableParameters();
    const { value, grads } = tf.variableGrads(loss, vars);
    values.push(value.dataSync()[0]);
    for (const v of vars) {
      const g = grads[v.name];
      if (!g) continue;
      tf.tidy(() => v.assign(tf.sub(v, tf.mul(g, lr))));
    }
    value.dispose();
    tf.dispose(Object.values(grads));
  }
  return values;
}

/** Bitwise equality of two float32 tensors (same shape, same bits; NaN payloads included). */
export function bitsEqual(a: tf.Tensor, b: tf.Tensor): boolean {
  if (a.shape.join(',') !== b.shape.join(',')) return false;
  const x = new Uint32Array((a.dataSync() as Float32Array).slice().buffer);
  const y = new Uint32Array((b.dataSync() as Float32Array).slice().buffer);
  return x.every((v, i) => v === y[i]);
}

/** Max |a - b| over all elements. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}
