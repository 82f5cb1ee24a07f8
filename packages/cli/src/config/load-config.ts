import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type VlalignConfig, type VlalignConfigInput } from './schema.js';

/** A config file that failed to parse or validate; `message` lists every problem with its field path. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

function describeIssues(file: string, issues: z.core.$ZodIssue[]): string {
  const lines = issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    return `  - ${path}: ${issue.message}`;
  });
  return `Invalid config ${file}:\n${lines.join('\n')}\nSee examples/*.yaml for working configs.`;
}

/** Validates an already-parsed config object. */
export function parseConfig(raw: unknown, file = '<inline config>'): VlalignConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(describeIssues(file, result.error.issues), file);
  return result.data;
}

/** Reads a YAML or JSON config file and validates it. */
export function loadConfig(file: string): VlalignConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config ${file}: ${(err as Error).message}`, file);
  }
  let raw: unknown;
  try {
    raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`Config ${file} is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`, file);
  }
  return parseConfig(raw, file);
}

export type { VlalignConfig, VlalignConfigInput };
