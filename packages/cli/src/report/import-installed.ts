import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Imports an optional package the way the CLI resolves plugins (from the user's project first, then
 * from vlalign's own location), so the report uses the same module instance the trainer loaded.
 * Resolves to undefined when the package is not installed; other load errors are thrown.
 */
export async function importInstalled<T>(specifier: string, projectDir: string): Promise<T | undefined> {
  let url: string | undefined;
  try {
    url = pathToFileURL(createRequire(join(projectDir, 'package.json')).resolve(specifier)).href;
  } catch {
    try {
      url = import.meta.resolve(specifier);
    } catch {
      return undefined;
    }
  }
  return (await import(url)) as T;
}
