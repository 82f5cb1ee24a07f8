import type { tf } from '@vlalign/core';
import { PointHead, type PointHeadOptions } from '../head/point-head.js';
import { LocationPromptEncoder, type LocationPromptEncoderOptions } from '../prompt/location-prompt-encoder.js';

/** Options of {@link loadPixelLlmModules}. */
export interface LoadPixelLlmModulesOptions {
  /** The plugin's name in the run (the checkpoint key prefix). Default `'pixelllm'`. */
  pluginName?: string;
  /**
   * The head options used in training (they fix the parameter shapes). `readout` defaults to
   * `'visual-attention'` when the checkpoint holds the head's `readout.*` tensors.
   */
  head?: PointHeadOptions;
  /**
   * The prompt encoder options used in training. `densePositions` defaults to whether the
   * checkpoint holds the encoder's `dense_pe_gate`.
   */
  promptEncoder?: LocationPromptEncoderOptions;
}

/**
 * Rebuilds the plugin's point head and prompt encoder from checkpointed tensors (keys
 * `plugins.pixelllm.point_head.*` and `plugins.pixelllm.prompt_encoder.*`, as the trainer saves
 * registered modules), for inference outside the trainer. Shapes and keys are checked strictly.
 *
 * @param width the LM width of the model (`model.config.lm.width`).
 * @param tensors the checkpoint's tensors (e.g. from `loadSafetensors`); not disposed.
 */
export function loadPixelLlmModules(width: number, tensors: Record<string, tf.Tensor>, options: LoadPixelLlmModulesOptions = {}): { head: PointHead; promptEncoder: LocationPromptEncoder } {
  const prefix = `plugins.${options.pluginName ?? 'pixelllm'}.`;
  const pick = (name: string) => {
    const p = `${prefix}${name}.`;
    const out = Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(p)).map(([k, v]) => [k.slice(p.length), v]));
    if (Object.keys(out).length === 0) throw new Error(`loadPixelLlmModules: no tensors named "${p}*" in the checkpoint`);
    return out;
  };
  const headTensors = pick('point_head');
  const head = new PointHead(width, { readout: 'readout.query.weight' in headTensors ? 'visual-attention' : 'mlp', ...options.head });
  const encoderTensors = pick('prompt_encoder');
  const promptEncoder = new LocationPromptEncoder(width, { densePositions: 'dense_pe_gate' in encoderTensors, ...options.promptEncoder });
  head.loadStateDict(headTensors);
  promptEncoder.loadStateDict(encoderTensors);
  return { head, promptEncoder };
}
