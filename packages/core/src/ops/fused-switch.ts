import * as tf from '@tensorflow/tfjs-core';

let override: boolean | undefined;

/**
 * Turns vlalign's fused ops (GELU, LayerNorm, softmax-attention, the AdamW update) on or off for
 * the whole process. On by default; the environment variable `VLALIGN_FUSED=0` turns them off at
 * start-up. Off means every layer runs the plain composition of tfjs ops, which gives the same
 * results (to ~1e-6 relative) with several times more kernel calls; keep it for debugging and for
 * backends other than `wasm` and `cpu` (the fused kernels exist only there; elsewhere the plain path
 * is used automatically).
 *
 * @example
 * setFusedOps(false); // compare against the unfused path
 */
export function setFusedOps(enabled: boolean): void {
  if (typeof enabled !== 'boolean') throw new TypeError(`setFusedOps: expected a boolean, got ${typeof enabled}`);
  override = enabled;
}

/** Whether fused ops are switched on (by {@link setFusedOps}, else by `VLALIGN_FUSED`, else true). */
export function fusedOpsEnabled(): boolean {
  if (override !== undefined) return override;
  return fusedFromEnv(typeof process !== 'undefined' ? process.env?.VLALIGN_FUSED : undefined);
}

/** How a `VLALIGN_FUSED` value reads: `0`, `false` and `off` turn fused ops off; anything else (or unset) on. */
export function fusedFromEnv(value: string | undefined): boolean {
  const v = value?.trim().toLowerCase();
  return !(v === '0' || v === 'false' || v === 'off');
}

/** Backends that have the fused JS kernels. */
const FUSED_BACKENDS = new Set(['wasm', 'cpu']);

/** Whether the fused path should run now: switched on, and the active backend has the kernels. */
export function useFusedOps(): boolean {
  return fusedOpsEnabled() && FUSED_BACKENDS.has(tf.getBackend());
}
