import { installThreadedGemm } from './gemm-kernels.js';
import { GemmPool } from './gemm-pool.js';

/** What {@link startThreadedGemm} set up. */
export interface ThreadedGemmInfo {
  /** Whether wasm matMuls run on vlalign's SIMD GEMM. */
  active: boolean;
  /** Threads a large product is split over (the calling thread included); 0 when inactive. */
  threads: number;
  /** Why it is inactive (switched off, or the runtime lacks shared wasm memory or worker threads). */
  reason?: string;
}

// The pool stays referenced for the life of the process (its workers are unref'd).
let state: { pool: GemmPool; info: ThreadedGemmInfo } | undefined;

/**
 * `VLALIGN_GEMM_THREADS`: `0` / `off` keeps tfjs's own wasm matMul; a positive integer sets the
 * thread count; unset means one per core, at most 2 (measured: a third thread on 2 cores only
 * adds contention; see bench/).
 */
export function gemmThreadsFromEnv(value: string | undefined, cores: number): number {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === '') return Math.max(1, Math.min(2, cores));
  if (v === '0' || v === 'off' || v === 'false') return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`VLALIGN_GEMM_THREADS is "${value}"; expected 0/off or a positive integer`);
  return n;
}

/**
 * Replaces the wasm backend's float32 matMul kernels with vlalign's SIMD GEMM split over `threads`
 * threads (tfjs's own wasm matMul is single-threaded in Node; 0 keeps it). Called by `initBackend` for wasm;
 * never throws: if the runtime cannot host it, the reason is returned and tfjs's kernels stay.
 * The kernels defer to the previous ones while fused ops are switched off, so `VLALIGN_FUSED=0`
 * still measures plain tfjs.
 */
export async function startThreadedGemm(threads: number): Promise<ThreadedGemmInfo> {
  if (state) return state.info;
  if (threads === 0) return { active: false, threads: 0, reason: 'switched off (VLALIGN_GEMM_THREADS=0)' };
  try {
    const pool = await GemmPool.create(threads);
    installThreadedGemm(pool);
    state = { pool, info: { active: true, threads } };
    return state.info;
  } catch (err) {
    return { active: false, threads: 0, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** The active setup, if {@link startThreadedGemm} installed one. */
export function threadedGemmInfo(): ThreadedGemmInfo | undefined {
  return state?.info;
}
