/**
 * The shipped example configs stay runnable: each `examples/*.yaml` passes the config schema, and
 * every plugin it names loads from the repository root (where `pnpm demo` and the README run them)
 * and accepts the example's options. Training them is left to their own benches: this only stops an
 * example from rotting when a schema or a plugin's options change.
 *
 * Needs the packages built (the root `pnpm test` runs after `turbo build`).
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { loadPlugin } from '../src/config/resolve-plugin.js';

const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const examples = readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.yaml')).sort();

describe('examples/*.yaml', () => {
  it('finds the examples', () => {
    expect(examples).toEqual(expect.arrayContaining(['captioning.yaml', 'clip.yaml', 'mixed.yaml', 'seva.yaml']));
  });

  for (const file of examples) {
    it(`${file}: valid config whose plugins load with its options`, async () => {
      const config = loadConfig(join(repoRoot, 'examples', file));
      expect(config.plugins.length).toBeGreaterThan(0);
      for (const entry of config.plugins) {
        const plugin = await loadPlugin(entry.use, entry.options, repoRoot);
        expect(plugin.name, `${file}: ${entry.use}`).toBeTypeOf('string');
      }
    });
  }
});
