import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expandCapabilities, modelCapabilities } from './capabilities.js';
import { definePlugin, type Plugin } from './plugin.js';
import { PluginRegistry } from './plugin-registry.js';
import { Module } from '../nn/module.js';

const p = (name: string, requires: Plugin['requires'] = []) =>
  definePlugin({ name, specificationVersion: 'v1', requires, loss: () => ({ loss: tf.scalar(0) }) });

describe('PluginRegistry', () => {
  it('keeps order, rejects duplicates and foreign versions with clear messages', () => {
    const r = new PluginRegistry().register(p('a')).register(p('b'));
    expect(r.names()).toEqual(['a', 'b']);
    expect(r.get('b').name).toBe('b');
    expect(() => r.get('c')).toThrow(/No plugin named "c"; registered: a, b/);
    expect(() => r.register(p('a'))).toThrow(/"a" is registered twice/);
    expect(() => r.register({ ...p('z'), specificationVersion: 'v2' } as unknown as Plugin)).toThrow(/implements specification "v2".*supports v1/);
    expect(() => r.register({ name: 'raw' } as unknown as Plugin)).toThrow(/made by definePlugin/);
  });

  it('checks requires against capabilities (vlm implies lm and vision)', () => {
    const r = new PluginRegistry().register(p('text', ['lm'])).register(p('img', ['vision']));
    expect(() => r.checkRequirements(expandCapabilities(['vlm']))).not.toThrow();
    expect(() => r.checkRequirements(expandCapabilities(['dual-encoder']))).toThrow(/"text" requires a model with "lm", but the model provides "dual-encoder", "vision"/);
  });

  it('infers capabilities from a declared list or the model shape', () => {
    class Dual extends Module {
      encodeImage() {}
      encodeText() {}
    }
    expect(modelCapabilities(new Dual())).toEqual(['dual-encoder', 'vision']);
    const declared = Object.assign(new Module(), { capabilities: ['lm'] });
    expect(modelCapabilities(declared)).toEqual(['lm']);
  });
});
