import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'vlalign-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const valid = `
model: { kind: dual-encoder, preset: tiny }
data: { train: { shapesWorld: { size: 100, seed: 1 } } }
plugins: [{ use: clip }]
train: { steps: 10, batchSize: 8 }
`;

describe('loadConfig', () => {
  it('reads YAML and fills defaults', () => {
    const c = loadConfig(write('ok.yaml', valid));
    expect(c.model.kind).toBe('dual-encoder');
    expect(c.plugins[0]).toMatchObject({ use: 'clip', weight: 1, options: {} });
    expect(c.train.lr).toBe(1e-3);
    expect(c.tokenizer).toBe('shapes');
  });

  it('reads JSON too', () => {
    const c = loadConfig(write('ok.json', JSON.stringify({ model: { kind: 'vlm' }, data: { train: { shapesWorld: { size: 5 } } }, plugins: [{ use: 'captioning' }], train: { steps: 1 } })));
    expect(c.model.preset).toBe('tiny');
  });

  it('names the file, the field path and the expectation for a wrong field', () => {
    const file = write('bad.yaml', valid.replace('steps: 10', 'steps: -3').replace('kind: dual-encoder', 'kind: dual'));
    let err: unknown;
    try {
      loadConfig(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain(file);
    expect(msg).toMatch(/model\.kind: .*"vlm"/);
    expect(msg).toMatch(/train\.steps: .*(>0|positive|greater)/i);
  });

  it('rejects unknown keys (typos) instead of ignoring them', () => {
    expect(() => loadConfig(write('typo.yaml', `${valid}\ntrian: { steps: 3 }\n`))).toThrow(/trian/);
  });

  it('reports YAML syntax errors with the file name', () => {
    expect(() => loadConfig(write('syntax.yaml', 'model: [unclosed'))).toThrow(/syntax\.yaml is not valid YAML/);
  });

  it('reports a missing file', () => {
    expect(() => loadConfig(join(dir, 'nope.yaml'))).toThrow(/Cannot read config .*nope\.yaml/);
  });
});
