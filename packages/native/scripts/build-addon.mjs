#!/usr/bin/env node
// Builds the Node-API addon (build/Release/vlalign_native.node) with node-gyp. It NEVER fails the
// surrounding build: without a BLAS the addon uses its bundled GEMM; if the BLAS build fails it
// retries without BLAS; if node-gyp itself fails (no compiler, no Node headers) it prints a
// warning and exits 0, and @vlalign/native reports "addon not built" at run time.
//
//   node scripts/build-addon.mjs               build when missing or older than csrc/ and binding.gyp
//   node scripts/build-addon.mjs --if-missing  build only when missing (the package's install script)
//   node scripts/build-addon.mjs --force       always rebuild
//
// Environment: VLALIGN_NATIVE_BLAS=auto|openblas|accelerate|none, VLALIGN_OPENBLAS_DIR,
// VLALIGN_NATIVE_SKIP_BUILD=1 (do nothing), npm_config_nodedir (Node headers folder).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBlas } from './find-blas.mjs';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const addon = join(pkg, 'build', 'Release', 'vlalign_native.node');
const args = new Set(process.argv.slice(2));
const log = (msg) => console.log(`[@vlalign/native] ${msg}`);
const warn = (msg) => console.warn(`[@vlalign/native] WARNING: ${msg}`);

function newestSource() {
  let newest = statSync(join(pkg, 'binding.gyp')).mtimeMs;
  for (const f of readdirSync(join(pkg, 'csrc'))) newest = Math.max(newest, statSync(join(pkg, 'csrc', f)).mtimeMs);
  return newest;
}

function upToDate() {
  if (!existsSync(addon)) return false;
  if (args.has('--if-missing')) return true;
  if (statSync(addon).mtimeMs < newestSource()) return false;
  // A BLAS installed since the last build (or one that went away) means a rebuild.
  let built;
  try {
    built = JSON.parse(readFileSync(join(pkg, 'build', 'vlalign-build.json'), 'utf8')).gemm;
  } catch {
    return false;
  }
  return built === (findBlas()?.kind ?? 'fallback');
}

/** How to run node-gyp: this package's devDependency, the one npm/pnpm bundle, or one on PATH. */
function nodeGypCommand() {
  try {
    const require = createRequire(import.meta.url);
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    // not installed as a dependency (a user's install): fall through
  }
  const bundled = process.env.npm_config_node_gyp;
  if (bundled && existsSync(bundled)) return [process.execPath, bundled];
  return ['node-gyp'];
}

/** Offline machines cannot download Node headers: use the running Node's own when it ships them. */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function gyp(env) {
  const [cmd, ...pre] = nodeGypCommand();
  const r = spawnSync(cmd, [...pre, 'rebuild', ...nodedirArgs()], { cwd: pkg, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.error ? `${r.error.message}\n` : ''}${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function main() {
  if (process.env.VLALIGN_NATIVE_SKIP_BUILD === '1') return log('VLALIGN_NATIVE_SKIP_BUILD=1: addon build skipped');
  if (!args.has('--force') && upToDate()) return log(`addon up to date: ${addon}`);
  const blas = findBlas();
  log(`building the addon (${blas ? `${blas.kind}${blas.library ? ` ${blas.library}` : ''}` : 'no BLAS found: bundled GEMM'}) ...`);
  const t0 = Date.now();
  let r = gyp({});
  let used = blas?.kind ?? 'fallback';
  if (!r.ok && blas) {
    warn(`build against ${blas.kind} failed; retrying with the bundled GEMM.\n${tail(r.output)}`);
    r = gyp({ VLALIGN_NATIVE_BLAS: 'none' });
    used = 'fallback';
  }
  if (!r.ok) {
    warn(
      `could not build the native addon; vlalign keeps working on the plain wasm kernels.\n` +
        `  Needs: a C++17 compiler, make, python3 and Node headers (offline: set npm_config_nodedir).\n${tail(r.output)}`,
    );
    return;
  }
  writeFileSync(join(pkg, 'build', 'vlalign-build.json'), `${JSON.stringify({ gemm: used, node: process.version, date: new Date().toISOString() })}\n`);
  log(`built ${addon} (GEMM: ${used}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function tail(text, lines = 15) {
  return text.trim().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
}

try {
  main();
} catch (err) {
  warn(`addon build step failed: ${err instanceof Error ? err.message : String(err)}`);
}
process.exit(0);
