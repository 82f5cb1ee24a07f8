// Packs workspace packages with pnpm (which rewrites `workspace:` ranges to real versions, as a
// publish would) and reads what a tarball holds. Shared by check-packages.mjs and the CLI's
// pack-and-install test.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Every publishable workspace package: `{ dir, name, version, pkg }`, sorted by folder. */
export function workspacePackages() {
  const root = join(repoRoot, 'packages');
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'package.json')))
    .map((e) => {
      const dir = join(root, e.name);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      return { dir, folder: e.name, name: pkg.name, version: pkg.version, pkg };
    })
    .filter((p) => !p.pkg.private)
    .sort((a, b) => a.folder.localeCompare(b.folder));
}

/**
 * Packs one package folder into `dest` with `pnpm pack` and returns the tarball's absolute path.
 * Lifecycle scripts are not run: the packages must already be built (`pnpm build`).
 */
export function packPackage(dir, dest) {
  const out = execFileSync('pnpm', ['pack', '--pack-destination', dest, '--json'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  // pnpm prints the JSON object last; earlier lines may be notices.
  const json = JSON.parse(out.slice(out.indexOf('{')));
  const file = json.filename ?? json.tarball;
  if (!file) throw new Error(`pnpm pack in ${dir} printed no tarball name: ${out}`);
  return resolve(dest, file);
}

/** Paths inside a tarball (without the leading `package/`). */
export function tarballFiles(tarball) {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
}

/** The package.json inside a tarball, parsed. */
export function tarballManifest(tarball) {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
}
