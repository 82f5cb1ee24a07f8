#!/usr/bin/env node
// Checks the pending changesets the way a release would use them, without touching the repo:
// copies the manifests and .changeset/ into a temporary folder, runs `changeset version` there and
// checks the result — the publish step's dry run:
//
//   - every changeset parses and names a workspace package with patch | minor | major;
//   - `changeset version` succeeds and consumes every changeset;
//   - no package is pushed to a new major (e.g. 0.x -> 1.0.0) that no changeset asked for: changesets
//     turns a minor bump of a package into a MAJOR bump of every package that has it as a peer
//     dependency and falls out of the peer range, which is rarely what was meant;
//   - after versioning, every internal dependency / peer range is satisfied by the version that
//     would be published next to it, and each released package has a CHANGELOG entry for it.
//
// Usage: node scripts/check-changesets.mjs
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { repoRoot, workspacePackages } from './pack-workspace.mjs';

const BUMPS = new Set(['patch', 'minor', 'major']);
const problems = [];
const packages = workspacePackages();
const byName = new Map(packages.map((p) => [p.name, p]));
const changesetDir = join(repoRoot, '.changeset');
const changesetFiles = existsSync(changesetDir) ? readdirSync(changesetDir).filter((f) => f.endsWith('.md') && f !== 'README.md') : [];

/** Explicit bumps per package, from the changesets' front matter. */
const explicit = new Map();
for (const file of changesetFiles) {
  const text = readFileSync(join(changesetDir, file), 'utf8');
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  if (!m) {
    problems.push(`.changeset/${file}: no front matter (--- "pkg": bump ---)`);
    continue;
  }
  const lines = m[1].split(/\r?\n/).filter((l) => l.trim());
  if (!lines.length) problems.push(`.changeset/${file}: names no package`);
  for (const line of lines) {
    const lm = /^\s*["']?([^"':]+)["']?\s*:\s*(\w+)\s*$/.exec(line);
    if (!lm) problems.push(`.changeset/${file}: cannot read "${line}" (expected "package": patch|minor|major)`);
    else if (!byName.has(lm[1])) problems.push(`.changeset/${file}: "${lm[1]}" is not a workspace package (${[...byName.keys()].join(', ')})`);
    else if (!BUMPS.has(lm[2])) problems.push(`.changeset/${file}: bump "${lm[2]}" for ${lm[1]} must be patch, minor or major`);
    else {
      const order = ['patch', 'minor', 'major'];
      const prev = explicit.get(lm[1]);
      if (!prev || order.indexOf(lm[2]) > order.indexOf(prev)) explicit.set(lm[1], lm[2]);
    }
  }
  if (!m[2].trim()) problems.push(`.changeset/${file}: has no summary text`);
}

const work = mkdtempSync(join(tmpdir(), 'vlalign-changesets-'));
try {
  for (const f of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(repoRoot, f), join(work, f));
  cpSync(changesetDir, join(work, '.changeset'), { recursive: true });
  for (const p of packages) {
    const to = join(work, 'packages', p.folder);
    mkdirSync(to, { recursive: true });
    for (const f of ['package.json', 'CHANGELOG.md']) if (existsSync(join(p.dir, f))) cpSync(join(p.dir, f), join(to, f));
  }
  // The changelog generator is resolved from the repo's own install.
  symlinkSync(join(repoRoot, 'node_modules'), join(work, 'node_modules'), 'dir');
  let output = '';
  try {
    output = execFileSync(join(repoRoot, 'node_modules', '.bin', 'changeset'), ['version'], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  } catch (err) {
    problems.push(`changeset version failed:\n${`${err.stdout ?? ''}${err.stderr ?? ''}`.trim()}`);
  }
  if (!problems.some((p) => p.startsWith('changeset version failed'))) {
    const left = readdirSync(join(work, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    if (left.length) problems.push(`changeset version left changesets unconsumed: ${left.join(', ')}`);
    const after = new Map(packages.map((p) => [p.name, JSON.parse(readFileSync(join(work, 'packages', p.folder, 'package.json'), 'utf8'))]));
    console.log('release plan (changeset version):');
    for (const p of packages) {
      const next = after.get(p.name).version;
      const why = explicit.get(p.name) ?? (next !== p.version ? 'dependency' : '');
      console.log(`  ${p.name.padEnd(20)} ${p.version} -> ${next}${why ? `  (${why})` : ''}`);
      if (next !== p.version && semver.major(next) > semver.major(p.version) && explicit.get(p.name) !== 'major') {
        problems.push(
          `${p.name} would go ${p.version} -> ${next} (a new major) although no changeset asks for a major bump: ` +
            'changesets bumps a package to a new major when a peer dependency it names is released out of its peer range. ' +
            'Widen the peer range to cover the coming release (and set ___experimentalUnsafeOptions_WILL_CHANGE_IN_PATCH.onlyUpdatePeerDependentsWhenOutOfRange in .changeset/config.json), or add an explicit major changeset if it is meant.',
        );
      }
      if (next !== p.version) {
        const log = join(work, 'packages', p.folder, 'CHANGELOG.md');
        if (!existsSync(log) || !readFileSync(log, 'utf8').includes(`## ${next}`)) problems.push(`${p.name}: CHANGELOG.md has no "## ${next}" entry after versioning`);
      }
    }
    for (const [name, pkg] of after) {
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
          if (!after.has(dep)) continue;
          const depVersion = after.get(dep).version;
          const r = String(range).replace(/^workspace:/, '');
          const ok = r === '^' || r === '~' || r === '*' || (semver.validRange(r) && semver.satisfies(depVersion, r));
          if (!ok) problems.push(`${name}: ${field}["${dep}"] is "${range}" but ${dep} would be published as ${depVersion}`);
        }
      }
    }
    if (output.trim()) console.log(output.trim().split('\n').map((l) => `  ${l}`).join('\n'));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (problems.length) {
  console.log(`\ncheck-changesets: ${problems.length} problem(s):`);
  for (const p of problems) console.log(`  - ${p.replace(/\n/g, '\n    ')}`);
  process.exit(1);
}
console.log(`\ncheck-changesets: ${changesetFiles.length} changesets ok`);
