import { resolveFromProject } from '../config/resolve-plugin.js';

/**
 * Imports an optional package the way the CLI resolves plugins (from the user's project first, then
 * from vlalign's own location), so the report uses the same module instance the trainer loaded.
 * Resolves to undefined when the package is not installed; other load errors are thrown.
 */
export async function importInstalled<T>(specifier: string, projectDir: string): Promise<T | undefined> {
  const url = resolveFromProject(specifier, projectDir);
  return url ? ((await import(url)) as T) : undefined;
}
