#!/usr/bin/env node
// Publishing checks on what would really be published: every workspace package is packed with pnpm
// into a temporary folder, and each tarball is checked with publint, @arethetypeswrong/cli (the
// ESM-only profile: the packages ship ESM only, on purpose) and the project's own rules:
//
//   - `exports` is the only way in: "." (types + import) and "./package.json", nothing deeper;
//   - `files` keeps tests, fixtures and sources out (no *.test.*, no src/);
//   - `sideEffects` is declared;
//   - no `workspace:` range survives packing;
//   - every package but core has `@vlalign/core` as a peer dependency (a range that core's
//     current version satisfies, bounded below the next major), and never as a regular dependency (two cores = two tensor engines).
//
// Usage: node scripts/check-packages.mjs [package-folder...]   (after `pnpm build`)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { packPackage, repoRoot, tarballFiles, tarballManifest, workspacePackages } from './pack-workspace.mjs';

const only = process.argv.slice(2);
const packages = workspacePackages().filter((p) => only.length === 0 || only.includes(p.folder) || only.includes(p.name));
if (packages.length === 0) {
  console.error(`check-packages: no package matches ${only.join(', ')}`);
  process.exit(2);
}
const core = workspacePackages().find((p) => p.name === '@vlalign/core');
const attwBin = join(repoRoot, 'node_modules', '.bin', 'attw');

/**
 * A peer range is "proper" when it is a valid semver range that the current version satisfies and
 * that stops before the next major release (an unbounded range like `*` or `>=0.1.0` is not).
 */
function properPeerRange(range, version) {
  if (!semver.validRange(range)) return false;
  if (!semver.satisfies(version, range)) return false;
  const nextBreaking = semver.inc(version, 'major');
  return !semver.satisfies(nextBreaking, range) && !semver.intersects(range, `>=${nextBreaking}`);
}

function ownRules(p, manifest, files) {
  const problems = [];
  const exp = manifest.exports;
  if (!exp || typeof exp !== 'object') problems.push('no "exports" map');
  else {
    const extra = Object.keys(exp).filter((k) => k !== '.' && k !== './package.json');
    if (extra.length) problems.push(`"exports" has deep entry points ${extra.join(', ')} (export only "." and "./package.json")`);
    const dot = exp['.'];
    if (!dot || typeof dot !== 'object' || !dot.types || !dot.import) problems.push('"exports"["."] needs "types" and "import"');
  }
  if (!('sideEffects' in manifest) || !(typeof manifest.sideEffects === 'boolean' || Array.isArray(manifest.sideEffects))) problems.push('"sideEffects" is not declared (true, false or a list of files)');
  const leaked = files.filter((f) => /\.test\.|\.spec\.|(^|\/)(fixtures|__tests__|test)\//.test(f) || f.startsWith('src/') || f.endsWith('.tsbuildinfo'));
  if (leaked.length) problems.push(`tarball holds files that are not for users: ${leaked.slice(0, 6).join(', ')}${leaked.length > 6 ? ', ...' : ''} (fix "files")`);
  if (!files.some((f) => f.startsWith('dist/'))) problems.push('tarball has no dist/ (run pnpm build first)');
  const text = JSON.stringify(manifest);
  if (text.includes('workspace:')) problems.push('a "workspace:" range survived packing');
  if (p.name !== '@vlalign/core') {
    const peer = manifest.peerDependencies?.['@vlalign/core'];
    if (!peer) problems.push('no peerDependencies["@vlalign/core"]');
    else if (!properPeerRange(peer, core.version)) problems.push(`peerDependencies["@vlalign/core"] is "${peer}", expected a range that @vlalign/core ${core.version} satisfies and that excludes the next major (e.g. ^${core.version})`);
    if (manifest.dependencies?.['@vlalign/core']) problems.push('@vlalign/core is a regular dependency; make it a peer dependency only');
  }
  return problems;
}

async function runPublint(tarball) {
  const buf = readFileSync(tarball);
  const { messages, pkg } = await publint({ pack: { tarball: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) }, level: 'suggestion' });
  return messages.map((m) => ({ type: m.type, text: formatMessage(m, pkg) ?? m.code }));
}

function runAttw(tarball) {
  try {
    execFileSync(attwBin, [tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, output: '' };
  } catch (err) {
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}`.trim() };
  }
}

const dest = mkdtempSync(join(tmpdir(), 'vlalign-pack-'));
let failed = 0;
try {
  for (const p of packages) {
    const problems = [];
    const notes = [];
    if (!existsSync(join(p.dir, 'dist'))) {
      problems.push('no dist/ folder: run `pnpm build` first');
    } else {
      const tarball = packPackage(p.dir, dest);
      const files = tarballFiles(tarball);
      const manifest = tarballManifest(tarball);
      problems.push(...ownRules(p, manifest, files));
      for (const m of await runPublint(tarball)) (m.type === 'suggestion' ? notes : problems).push(`publint ${m.type}: ${m.text}`);
      const attw = runAttw(tarball);
      if (!attw.ok) problems.push(`attw (esm-only profile):\n${attw.output}`);
      if (!files.includes('README.md')) notes.push('no README.md in the tarball');
    }
    const status = problems.length ? 'FAIL' : 'ok  ';
    console.log(`${status} ${p.name}@${p.version}`);
    for (const x of problems) console.log(`     - ${x.replace(/\n/g, '\n       ')}`);
    for (const x of notes) console.log(`     note: ${x}`);
    if (problems.length) failed++;
  }
} finally {
  rmSync(dest, { recursive: true, force: true });
}
console.log(failed ? `\ncheck-packages: ${failed} of ${packages.length} packages have problems` : `\ncheck-packages: all ${packages.length} packages pass`);
process.exit(failed ? 1 : 0);
