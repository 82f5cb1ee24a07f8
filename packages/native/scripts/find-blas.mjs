#!/usr/bin/env node
// Called by binding.gyp at configure time: finds a BLAS with `cblas_sgemm` and prints the gyp
// list for one key (defines | include_dirs | libraries | ldflags), one item per line. No BLAS
// found (or VLALIGN_NATIVE_BLAS=none) prints nothing, and the addon builds its bundled GEMM.
//
//   VLALIGN_NATIVE_BLAS=auto|openblas|accelerate|none   (default auto)
//   VLALIGN_OPENBLAS_DIR=/prefix                         (has include/cblas.h and lib/libopenblas.*)
//
// `node scripts/find-blas.mjs --describe` prints what was found as JSON.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ARCH_TRIPLETS = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu', riscv64: 'riscv64-linux-gnu' };

/** The OpenBLAS (or Accelerate) this machine offers, or undefined. */
export function findBlas(env = process.env, platform = process.platform, arch = process.arch) {
  const mode = (env.VLALIGN_NATIVE_BLAS ?? 'auto').toLowerCase();
  if (mode === 'none' || mode === 'fallback') return undefined;
  if (platform === 'darwin' && (mode === 'auto' || mode === 'accelerate')) {
    return { kind: 'accelerate', defines: ['VLALIGN_ACCELERATE'], include_dirs: [], libraries: ['-framework Accelerate'], ldflags: [] };
  }
  if (mode !== 'auto' && mode !== 'openblas') return undefined;
  const triplet = ARCH_TRIPLETS[arch] ?? '';
  const prefixes = [];
  if (env.VLALIGN_OPENBLAS_DIR) prefixes.push({ inc: join(env.VLALIGN_OPENBLAS_DIR, 'include'), lib: join(env.VLALIGN_OPENBLAS_DIR, 'lib') });
  // Debian/Ubuntu libopenblas-dev (pthread and openmp flavours), then generic and Homebrew layouts.
  for (const flavour of ['openblas-pthread', 'openblas-openmp', 'openblas-serial']) {
    prefixes.push({ inc: `/usr/include/${triplet}/${flavour}`, lib: `/usr/lib/${triplet}/${flavour}` });
  }
  prefixes.push(
    { inc: '/usr/include/openblas', lib: '/usr/lib64' },
    { inc: '/usr/include/openblas', lib: `/usr/lib/${triplet}` },
    { inc: '/usr/local/include', lib: '/usr/local/lib' },
    { inc: '/opt/homebrew/opt/openblas/include', lib: '/opt/homebrew/opt/openblas/lib' },
    { inc: '/usr/local/opt/openblas/include', lib: '/usr/local/opt/openblas/lib' },
  );
  const libNames = platform === 'darwin' ? ['libopenblas.dylib'] : ['libopenblas.so', 'libopenblas.so.0'];
  for (const { inc, lib } of prefixes) {
    const header = join(inc, 'cblas.h');
    if (!existsSync(header)) continue;
    // Only an OpenBLAS cblas.h declares openblas_set_num_threads (the addon uses it).
    if (!readFileSync(header, 'utf8').includes('openblas_set_num_threads')) continue;
    const libFile = libNames.map((n) => join(lib, n)).find((f) => existsSync(f));
    if (!libFile) continue;
    return {
      kind: 'openblas',
      header,
      library: libFile,
      defines: ['VLALIGN_OPENBLAS'],
      include_dirs: [inc],
      libraries: [libFile.endsWith('.so') || libFile.endsWith('.dylib') ? `-L${lib}` : libFile, ...(libFile.endsWith('.so') || libFile.endsWith('.dylib') ? ['-lopenblas'] : [])],
      ldflags: [`-Wl,-rpath,${lib}`],
    };
  }
  return undefined;
}

const isMain = Boolean(process.argv[1]) && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const key = process.argv[2];
  const found = findBlas();
  if (key === '--describe') console.log(JSON.stringify(found ?? { kind: 'fallback' }));
  else if (found && Array.isArray(found[key])) console.log(found[key].join('\n'));
}
