import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeJson } from './atomic-write.js';
import { tempDir } from './test-helpers.js';

describe('writeFileAtomic', () => {
  it('creates parent folders and replaces a file without leaving temp files', () => {
    const dir = tempDir();
    const path = join(dir, 'a', 'b', 'f.bin');
    writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    writeFileAtomic(path, 'héllo');
    expect(readFileSync(path, 'utf8')).toBe('héllo');
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['f.bin']);
  });

  it('leaves the target untouched and removes its temp file when the rename fails', () => {
    const dir = tempDir();
    // A rename onto a non-empty folder fails after the temp file was fully written.
    const target = join(dir, 'folder');
    writeFileAtomic(join(target, 'x'), 'old');
    expect(() => writeFileAtomic(target, 'new')).toThrow();
    expect(readdirSync(dir)).toEqual(['folder']);
    expect(readFileSync(join(target, 'x'), 'utf8')).toBe('old');
  });

  it('writes pretty JSON with a trailing newline and refuses non-JSON values', () => {
    const dir = tempDir();
    const path = join(dir, 'c.json');
    writeJson(path, { a: [1, 2], b: 'x' });
    expect(readFileSync(path, 'utf8')).toBe('{\n  "a": [\n    1,\n    2\n  ],\n  "b": "x"\n}\n');
    expect(() => writeJson(join(dir, 'u.json'), undefined)).toThrow(/not representable as JSON/);
    expect(existsSync(join(dir, 'u.json'))).toBe(false);
  });
});
