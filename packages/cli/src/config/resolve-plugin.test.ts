import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPlugin, parsePluginReference } from './resolve-plugin.js';

const dir = mkdtempSync(join(tmpdir(), 'vlalign-plugin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parsePluginReference', () => {
  it('maps short names to @vlalign packages and core plugins', () => {
    expect(parsePluginReference('clip')).toEqual({ specifier: '@vlalign/clip', exportName: 'clip', local: false });
    expect(parsePluginReference('captioning')).toEqual({ specifier: '@vlalign/core', exportName: 'captioning', local: false });
    expect(parsePluginReference('@acme/vl-loss')).toEqual({ specifier: '@acme/vl-loss', exportName: 'vlLoss', local: false });
    expect(parsePluginReference('./mine.js#myLoss')).toEqual({ specifier: './mine.js', exportName: 'myLoss', local: true });
  });
});

describe('loadPlugin', () => {
  it('says which package to install when a plugin is not installed', async () => {
    writeFileSync(join(dir, 'package.json'), '{"name":"empty-project"}');
    // (The real "install @vlalign/seva" case is covered by test/pack-install.test.ts outside the workspace,
    // where the workspace's own packages cannot leak into resolution.)
    await expect(loadPlugin('not-a-real-method', {}, dir)).rejects.toThrow(/@vlalign\/not-a-real-method is not installed\. Install it .*npm i @vlalign\/not-a-real-method/);
  });

  it('rejects an export that is not a definePlugin() result', async () => {
    writeFileSync(join(dir, 'not-plugin.mjs'), 'export const notPlugin = () => ({ name: "x" });');
    await expect(loadPlugin('./not-plugin.mjs#notPlugin', {}, dir)).rejects.toThrow(/did not return a plugin made with definePlugin/);
  });

  it('lists the available exports when the named one is missing', async () => {
    writeFileSync(join(dir, 'other.mjs'), 'export function something() {}');
    await expect(loadPlugin('./other.mjs#missing', {}, dir)).rejects.toThrow(/no plugin factory export "missing" \(function exports: something\)/);
  });
});
