import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from '@vlalign/core';

/** Short names of the plugins that ship inside @vlalign/core. */
const CORE_PLUGINS = new Set(['captioning', 'languageModeling', 'language-modeling']);

export interface PluginReference {
  /** Module specifier to import (package name or file path). */
  specifier: string;
  /** Named export holding the plugin factory. */
  exportName: string;
  /** True for local files. */
  local: boolean;
}

/**
 * Turns a config's `use` string into an import target:
 * `clip` -> `@vlalign/clip#clip`; `captioning` -> `@vlalign/core#captioning`;
 * `@scope/pkg` -> export named after the package's last segment; `x#name` -> export `name`.
 */
export function parsePluginReference(use: string): PluginReference {
  const [spec, exp] = use.split('#') as [string, string | undefined];
  const local = spec.startsWith('.') || isAbsolute(spec);
  if (exp) return { specifier: spec, exportName: exp, local };
  if (CORE_PLUGINS.has(spec)) return { specifier: '@vlalign/core', exportName: spec === 'language-modeling' ? 'languageModeling' : spec, local: false };
  if (!local && !spec.includes('/')) return { specifier: `@vlalign/${spec}`, exportName: spec, local: false };
  const last = spec.split('/').pop()!.replace(/\.[cm]?js$/, '');
  return { specifier: spec, exportName: last.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), local };
}

/**
 * Imports a package (or a local file) as the project at `projectDir` sees it, so a user's own
 * installs are found; a missing package is an error that says what to install.
 */
export async function importFromProject(specifier: string, projectDir = process.cwd(), context = 'This command needs a package, but'): Promise<Record<string, unknown>> {
  const url = resolveFromProject(specifier, projectDir);
  if (!url) {
    throw new Error(`${context} the package ${specifier} is not installed. Install it next to vlalign (npm i ${specifier}, or pnpm add ${specifier}) and run again.`);
  }
  return (await import(url)) as Record<string, unknown>;
}

/**
 * The file URL `specifier` resolves to from `projectDir` (then from vlalign's own location, for a
 * globally installed CLI with plugins beside it), or undefined when it is not installed.
 */
export function resolveFromProject(specifier: string, projectDir = process.cwd()): string | undefined {
  if (specifier.startsWith('.') || isAbsolute(specifier)) return pathToFileURL(resolve(projectDir, specifier)).href;
  try {
    return pathToFileURL(createRequire(join(projectDir, 'package.json')).resolve(specifier)).href;
  } catch {
    try {
      return import.meta.resolve(specifier);
    } catch {
      return undefined;
    }
  }
}

/**
 * Imports a plugin factory named by a config entry, from the project the config lives in (so a
 * user's own installs are found), and calls it with the entry's options.
 */
export async function loadPlugin(use: string, options: Record<string, unknown>, projectDir = process.cwd()): Promise<Plugin> {
  const ref = parsePluginReference(use);
  const mod = await importFromProject(ref.specifier, projectDir, `The config uses plugin "${use}", but`);
  const factory = mod[ref.exportName] ?? mod.default;
  if (typeof factory !== 'function') {
    const names = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new Error(`${ref.specifier} has no plugin factory export "${ref.exportName}" (function exports: ${names.join(', ') || 'none'}). Use "${ref.specifier}#<export>" in the config.`);
  }
  const plugin = (factory as (o: Record<string, unknown>) => Plugin)(options);
  if (!plugin || (plugin as { __vlalignPlugin?: boolean }).__vlalignPlugin !== true) {
    throw new Error(`${ref.specifier}#${ref.exportName} did not return a plugin made with definePlugin()`);
  }
  return plugin;
}
