import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../config/load-config.js';
import type { VlalignConfig } from '../config/schema.js';

/** Reads the config a run folder was trained with (written by `runTraining`). */
export function loadRunConfig(runDir: string): { config: VlalignConfig; configDir: string } {
  const file = join(runDir, 'config.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { config: unknown; configDir: string };
  return { config: parseConfig(raw.config, file), configDir: raw.configDir };
}
