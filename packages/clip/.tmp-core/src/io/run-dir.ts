/** Run folders: one folder per training run holding its config, metrics and checkpoints. */
import { mkdirSync } from 'node:fs';
import { resolve, join } from 'node:path';

function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Creates a run folder under `base` (created too) and returns its absolute path.
 *
 * With `name`, the folder `base/name` is created or reused as is (so a resumed run finds its
 * checkpoints). Without, a new `run-YYYYMMDD-HHMMSS` folder is claimed, with `-2`, `-3`, ... appended when
 * that name is taken; claiming uses an exclusive mkdir, so two processes never share a folder.
 *
 * @throws when `name` is not a single folder name (contains a path separator or is `.`/`..`).
 */
export function createRunDir(base: string, name?: string): string {
  mkdirSync(base, { recursive: true });
  if (name !== undefined) {
    if (name === '' || name === '.' || name === '..' || /[\\/]/.test(name)) {
      throw new Error(`createRunDir: run name must be a single folder name without "/" or "\\", got ${JSON.stringify(name)}`);
    }
    const dir = resolve(base, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  const stem = `run-${timestamp(new Date())}`;
  for (let i = 1; ; i++) {
    const dir = resolve(join(base, i === 1 ? stem : `${stem}-${i}`));
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
