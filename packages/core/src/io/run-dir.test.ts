import { existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunDir } from './run-dir.js';
import { tempDir } from './test-helpers.js';

describe('createRunDir', () => {
  it('claims a new timestamped folder each time', () => {
    const base = join(tempDir(), 'runs');
    const a = createRunDir(base);
    const b = createRunDir(base);
    expect(basename(a)).toMatch(/^run-\d{8}-\d{6}(-\d+)?$/);
    expect(a).not.toBe(b);
    expect(existsSync(a) && existsSync(b)).toBe(true);
  });

  it('reuses a named folder (for resume) and rejects names that are paths', () => {
    const base = tempDir();
    const dir = createRunDir(base, 'clip-tiny');
    writeFileSync(join(dir, 'metrics.jsonl'), '');
    expect(createRunDir(base, 'clip-tiny')).toBe(dir);
    expect(existsSync(join(dir, 'metrics.jsonl'))).toBe(true);
    expect(() => createRunDir(base, '../escape')).toThrow(/single folder name/);
    expect(() => createRunDir(base, '..')).toThrow(/single folder name/);
  });
});
