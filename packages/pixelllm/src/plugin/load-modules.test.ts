import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { PointHead } from '../head/point-head.js';
import { LocationPromptEncoder } from '../prompt/location-prompt-encoder.js';
import { loadPixelLlmModules } from './load-modules.js';

describe('loadPixelLlmModules', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('restores the head and the prompt encoder from plugins.pixelllm.* tensors', () => {
    const head = new PointHead(16, { seed: 5 });
    const enc = new LocationPromptEncoder(16, { seed: 6 });
    const tensors: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(head.stateDict())) tensors[`plugins.pixelllm.point_head.${k}`] = v;
    for (const [k, v] of Object.entries(enc.stateDict())) tensors[`plugins.pixelllm.prompt_encoder.${k}`] = v;
    const loaded = loadPixelLlmModules(16, tensors);
    tf.tidy(() => {
      const x = tf.randomNormal([1, 3, 16], 0, 1, 'float32', 2);
      expect(Array.from(loaded.head.forward(x).dataSync())).toEqual(Array.from(head.forward(x).dataSync()));
      expect(Array.from(loaded.promptEncoder.forward([[0.1, 0.2, 0.3, 0.4]]).dataSync())).toEqual(Array.from(enc.forward([[0.1, 0.2, 0.3, 0.4]]).dataSync()));
    });
    expect(loaded.promptEncoder.densePositions).toBe(false);
    expect(() => loadPixelLlmModules(16, {})).toThrow(/plugins\.pixelllm\.point_head/);
    // A checkpoint trained with densePositions carries the gate, and is rebuilt with it.
    const dense = new LocationPromptEncoder(16, { seed: 6, densePositions: true });
    const denseTensors = { ...tensors };
    for (const [k, v] of Object.entries(dense.stateDict())) denseTensors[`plugins.pixelllm.prompt_encoder.${k}`] = v;
    const loadedDense = loadPixelLlmModules(16, denseTensors);
    expect(loadedDense.promptEncoder.densePositions).toBe(true);
    expect(loaded.head.readout).toBe('mlp');
    // A head trained with the visual-attention readout is rebuilt with it.
    const attend = new PointHead(16, { seed: 7, readout: 'visual-attention' });
    const attendTensors = { ...tensors };
    for (const k of Object.keys(attendTensors)) if (k.startsWith('plugins.pixelllm.point_head.')) delete attendTensors[k];
    for (const [k, v] of Object.entries(attend.stateDict())) attendTensors[`plugins.pixelllm.point_head.${k}`] = v;
    const loadedAttend = loadPixelLlmModules(16, attendTensors);
    expect(loadedAttend.head.readout).toBe('visual-attention');
    tf.tidy(() => {
      const x = tf.randomNormal([1, 3, 16], 0, 1, 'float32', 2);
      const v = tf.randomNormal([1, 4, 16], 0, 1, 'float32', 3);
      expect(Array.from(loadedAttend.head.forward(x, v).dataSync())).toEqual(Array.from(attend.forward(x, v).dataSync()));
    });
    [head, enc, dense, attend, loaded.head, loaded.promptEncoder, loadedDense.head, loadedDense.promptEncoder, loadedAttend.head, loadedAttend.promptEncoder].forEach((m) => m.dispose());
  });
});
