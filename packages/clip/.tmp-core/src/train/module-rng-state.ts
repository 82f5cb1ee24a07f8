import type { Module } from '../nn/module.js';
import { Dropout } from '../nn/dropout.js';

/**
 * The random-stream positions of a module tree, by module path: what must be restored besides the
 * weights for a resumed run to draw the same dropout masks. A module may expose
 * `getRngState(): number` / `setRngState(n)`; `Dropout` keeps a private call counter that is read
 * directly until it exposes those.
 */
export function getModuleRngState(root: Module, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [path, m] of root.namedModules(prefix)) {
    const any = m as unknown as { getRngState?: () => number; calls?: number };
    if (typeof any.getRngState === 'function') out[path] = any.getRngState();
    else if (m instanceof Dropout && typeof any.calls === 'number') out[path] = any.calls;
  }
  return out;
}

/** Restores positions written by {@link getModuleRngState}; paths not in the tree are ignored. */
export function setModuleRngState(root: Module, state: Record<string, number>, prefix = ''): void {
  for (const [path, m] of root.namedModules(prefix)) {
    if (!(path in state)) continue;
    const any = m as unknown as { setRngState?: (n: number) => void; calls?: number };
    if (typeof any.setRngState === 'function') any.setRngState(state[path]);
    else if (m instanceof Dropout) any.calls = state[path];
  }
}
