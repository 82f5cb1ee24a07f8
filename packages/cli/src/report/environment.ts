import { createRequire } from 'node:module';
import { join } from 'node:path';
import { tf } from '@vlalign/core';
import { parsePluginReference } from '../config/resolve-plugin.js';
import type { RecordedBackend } from './run-folder-data.js';

/** The environment section of the report. */
export interface ReportEnvironment {
  /** The backend the run trained on (from its `config.json`). */
  backend?: RecordedBackend;
  /** Package versions: vlalign, @vlalign/core, the run's plugin packages, tfjs-core. */
  versions: Record<string, string>;
  node: string;
  platform: string;
  /** When the report was written (ISO 8601). */
  generatedAt: string;
}

function versionOf(specifier: string, from: string[]): string | undefined {
  for (const base of from) {
    try {
      const req = createRequire(base);
      const pkg = req(`${specifier}/package.json`) as { version?: string };
      if (pkg.version) return pkg.version;
    } catch {
      // not resolvable from here; try the next place
    }
  }
  return undefined;
}

/**
 * Collects versions and platform facts. Plugin packages are looked up from `projectDir` first (where
 * the CLI imports them from), then from vlalign's own location; local plugin files are skipped.
 */
export function collectEnvironment(backend: RecordedBackend | undefined, pluginUses: readonly string[], projectDir: string, now = new Date()): ReportEnvironment {
  const from = [join(projectDir, 'package.json'), import.meta.url];
  const versions: Record<string, string> = {};
  const add = (name: string) => {
    const v = versionOf(name, from);
    versions[name] = v ?? 'not found';
  };
  add('vlalign');
  add('@vlalign/core');
  for (const use of pluginUses) {
    const ref = parsePluginReference(use);
    if (!ref.local && !(ref.specifier in versions)) add(ref.specifier);
  }
  versions['@tensorflow/tfjs-core'] = tf.version_core;
  return { backend, versions, node: process.version, platform: `${process.platform}-${process.arch}`, generatedAt: now.toISOString() };
}
