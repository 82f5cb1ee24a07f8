/** What the CLI learned from trying to turn on `@vlalign/native` (its `NativeStatus`, or why it is absent). */
export interface NativeKernelsSummary {
  active: boolean;
  reason?: string;
  gemm?: string;
  blasCore?: string;
  threads?: number;
  kernels?: string[];
}

interface NativeModule {
  enableNative(): Promise<NativeKernelsSummary>;
}

let pending: Promise<NativeKernelsSummary> | undefined;

/**
 * Turns on `@vlalign/native` (the optional native kernels for the wasm backend) when it is
 * installed; call after `initBackend`. Never throws: a missing package, an unbuilt addon, another
 * backend or `VLALIGN_NATIVE=0` all give `{ active: false, reason }`.
 */
export function enableNativeKernels(): Promise<NativeKernelsSummary> {
  pending ??= (async () => {
    let mod: NativeModule;
    try {
      const specifier = '@vlalign/native'; // not a literal: the package is optional, and core must not need it
      mod = (await import(specifier)) as NativeModule;
    } catch (err) {
      return { active: false, reason: `@vlalign/native is not installed (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
    }
    try {
      return await mod.enableNative();
    } catch (err) {
      return { active: false, reason: `@vlalign/native failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  })();
  const result = pending;
  // A later call after a backend change may succeed where this one could not.
  void result.then((s) => {
    if (!s.active) pending = undefined;
  });
  return result;
}

/** One line for `vlalign doctor`. */
export function formatNativeKernels(s: NativeKernelsSummary): string {
  if (!s.active) return `native      not active: ${s.reason ?? 'unknown reason'}`;
  const blas = s.gemm === 'openblas' && s.blasCore ? `openblas (${s.blasCore} kernels)` : s.gemm;
  return `native      active: GEMM ${blas}, ${s.threads ?? 1} thread${s.threads === 1 ? '' : 's'}, ${s.kernels?.length ?? 0} kernels (${(s.kernels ?? []).join(', ')})`;
}

/** The part of a {@link NativeKernelsSummary} a run folder records (for the report's environment). */
export function recordNative(s: NativeKernelsSummary): { active: boolean; gemm?: string; reason?: string } {
  return s.active ? { active: true, gemm: s.blasCore ? `${s.gemm} (${s.blasCore})` : s.gemm } : { active: false, reason: s.reason };
}
