import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface NativeProbe {
  /** Package name probed. */
  pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';
  /** True when the package and its compiled binding are both present. */
  loadable: boolean;
  /** Why it cannot be used, when it cannot. */
  reason?: string;
}

const require = createRequire(import.meta.url);

/**
 * Checks for tfjs-node's compiled binding before requiring the package: requiring it without the
 * binding registers ~150 'tensorflow' kernels and then throws, and a second attempt prints a
 * warning per kernel (backend-feasibility.md §2).
 */
export function probeTensorflowPackage(pkg: NativeProbe['pkg']): NativeProbe {
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${pkg}/package.json`);
  } catch {
    return { pkg, loadable: false, reason: 'not installed' };
  }
  const libDir = join(dirname(pkgJson), 'lib');
  const hasBinding =
    existsSync(libDir) &&
    readdirSync(libDir).some((d) => d.startsWith('napi-v') && existsSync(join(libDir, d, 'tfjs_binding.node')));
  if (!hasBinding) {
    return { pkg, loadable: false, reason: `installed but its native binding (lib/napi-v*/tfjs_binding.node) is missing: its install script could not download libtensorflow` };
  }
  return { pkg, loadable: true };
}

export function loadTensorflowPackage(pkg: NativeProbe['pkg']): void {
  require(pkg);
}
