import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { disableNative, enableNative, nativeStatus } from './enable-native.js';
import { addonCandidates } from './load-addon.js';
import { addonBuilt } from './testing/native-harness.js';

const here = fileURLToPath(new URL('.', import.meta.url));

describe('enableNative without a usable environment', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    disableNative();
  });

  it('is a no-op with a reason under VLALIGN_NATIVE=0', async () => {
    vi.stubEnv('VLALIGN_NATIVE', '0');
    const s = await enableNative();
    expect(s).toMatchObject({ active: false, reason: 'disabled by VLALIGN_NATIVE=0', kernels: [] });
  });

  it('refuses backends other than wasm', async () => {
    await initBackend('cpu');
    const s = await enableNative();
    expect(s.active).toBe(false);
    expect(s.reason).toMatch(/active tfjs backend is "cpu"/);
  });

  it('says where it looked when the addon is missing', async () => {
    await initBackend('wasm');
    const s = await enableNative({ addonPath: join(here, 'no-such-addon.node') });
    expect(s.active).toBe(false);
    expect(s.reason).toMatch(/not built .*no-such-addon\.node/);
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBeDefined();
  });
});

describe.skipIf(!addonBuilt)('enableNative / disableNative', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    disableNative();
  });

  it('replaces the wasm kernels and restores the very same configs', async () => {
    const before = tf.getKernel('BatchMatMul', 'wasm');
    const s = await enableNative();
    expect(s.active).toBe(true);
    expect(['openblas', 'accelerate', 'fallback']).toContain(s.gemm);
    expect(s.threads).toBe(1);
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).not.toBe(before!.kernelFunc);
    expect(tf.getKernel('BatchMatMul', 'wasm')!.setupFunc).toBe(before!.setupFunc);
    disableNative();
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(before!.kernelFunc);
    expect(nativeStatus()).toMatchObject({ active: false, reason: 'disabled by disableNative()' });
  });

  it('takes the thread count from the option or VLALIGN_NATIVE_THREADS', async () => {
    vi.stubEnv('VLALIGN_NATIVE_THREADS', '2');
    expect((await enableNative()).threads).toBe(2);
    expect((await enableNative({ threads: 1 })).threads).toBe(1);
  });

  it('a failing self-test restores every original kernel and warns once', async () => {
    vi.stubEnv('VLALIGN_REAL_ADDON', addonCandidates().find((p) => p.endsWith(join('Release', 'vlalign_native.node')))!);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const originals = ['BatchMatMul', '_FusedMatMul', 'VlalignGelu'].map((k) => tf.getKernel(k, 'wasm')!.kernelFunc);
    const s = await enableNative({ addonPath: join(here, 'testing', 'broken-addon.cjs') });
    expect(s.active).toBe(false);
    expect(s.reason).toMatch(/self-test failed for BatchMatMul/);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(['BatchMatMul', '_FusedMatMul', 'VlalignGelu'].map((k) => tf.getKernel(k, 'wasm')!.kernelFunc)).toEqual(originals);
    // The real addon still loads afterwards.
    expect((await enableNative()).active).toBe(true);
  });

  it('leaves no tensors behind', async () => {
    const n = tf.memory().numTensors;
    await enableNative();
    disableNative();
    await enableNative();
    expect(tf.memory().numTensors).toBe(n);
  });
});

describe('CI builds the addon', () => {
  it.runIf(Boolean(process.env.CI))('has build/Release/vlalign_native.node', () => {
    expect(addonBuilt).toBe(true);
  });
});
