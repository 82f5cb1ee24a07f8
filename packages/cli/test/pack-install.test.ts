/**
 * "Install only what you need", for real: packs @vlalign/core, vlalign (the CLI) and @vlalign/clip
 * the way they would be published, installs ONLY those tarballs with npm into a temporary project
 * outside the workspace (third-party dependencies come from the registry or npm's cache), trains a
 * few CLIP steps there with the installed `vlalign` binary, and checks that a config naming a plugin
 * that is not installed (seva) fails with the install hint.
 *
 * Needs the packages built (`pnpm build`; the root `pnpm test` runs after `turbo build`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain .mjs helper shared with scripts/check-packages.mjs
import { packPackage } from '../../../scripts/pack-workspace.mjs';

const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const PACKAGES = ['core', 'cli', 'clip'];
const missing = PACKAGES.filter((p) => !existsSync(join(repoRoot, 'packages', p, 'dist', 'index.js')));
if (missing.length) console.warn(`pack-install.test: SKIPPED — no dist/ in packages ${missing.join(', ')}; run \`pnpm build\` first`);

let project: string;

function vlalign(args: string[]) {
  // `npx --no-install` runs the project's own bin, as a user would after `npm i`.
  return spawnSync('npx', ['--no-install', 'vlalign', ...args], { cwd: project, encoding: 'utf8', timeout: 150_000, env: { ...process.env, NO_COLOR: '1', VLALIGN_BACKEND: '' } });
}

describe.skipIf(missing.length > 0)('packed core + cli + clip installed alone', () => {
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'vlalign-pack-install-'));
    const tarballs = PACKAGES.map((p) => packPackage(join(repoRoot, 'packages', p), project) as string);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'vlalign-pack-install-check', private: true, type: 'module' }, null, 2));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs], { cwd: project, stdio: 'pipe', timeout: 240_000 });
  }, 300_000);
  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('installs nothing else of vlalign', () => {
    expect(readdirSync(join(project, 'node_modules', '@vlalign')).sort()).toEqual(['clip', 'core']);
    expect(existsSync(join(project, 'node_modules', 'vlalign', 'dist', 'bin.js'))).toBe(true);
  });

  it('trains CLIP from a config and prints the metrics table', () => {
    writeFileSync(
      join(project, 'clip.yaml'),
      [
        'name: pack-install',
        'model: { kind: dual-encoder, preset: tiny }',
        'data:',
        '  train: { shapesWorld: { size: 64, seed: 0, split: train } }',
        'plugins:',
        '  - use: clip',
        'train: { steps: 3, batchSize: 8, logEvery: 1 }',
        'output: { dir: runs/clip }',
        '',
      ].join('\n'),
    );
    const r = vlalign(['train', 'clip.yaml']);
    expect(r.status, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/\bloss\b/);
    expect(r.stdout).toMatch(/clip\/loss/);
    expect(r.stdout).toContain(`run folder: ${join(project, 'runs', 'clip')}`);
    expect(existsSync(join(project, 'runs', 'clip', 'metrics.jsonl'))).toBe(true);
  });

  it('names the package to install for a plugin that is not installed', () => {
    writeFileSync(
      join(project, 'seva.yaml'),
      ['model: { kind: vlm, preset: tiny }', 'data:', '  train: { shapesWorld: { size: 16 } }', 'plugins:', '  - use: seva', 'train: { steps: 1, batchSize: 4 }', 'output: { dir: runs/seva }', ''].join('\n'),
    );
    const r = vlalign(['train', 'seva.yaml']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('npm i @vlalign/seva');
  });

  it('writes a report with the installed CLI (when the build has the report command)', () => {
    const help = vlalign(['--help']);
    expect(help.stdout).toMatch(/\breport\b/);
    const r = vlalign(['report', 'runs/clip']);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(project, 'runs', 'clip', 'report.html'))).toBe(true);
  });
});
