// The `--native auto|on|off` flag of the seva bench scripts: @vlalign/native is imported
// dynamically so the benches run without it. Call after initBackend.
/**
 * @param {string} mode 'auto' (use it when it loads), 'on' (throw without it) or 'off'.
 * @returns {Promise<{ active: boolean, reason?: string, gemm?: string, threads?: number }>} its status, or why it is off.
 */
export async function enableNativeFlag(mode) {
  if (!['auto', 'on', 'off'].includes(mode)) throw new Error(`--native: auto, on or off, got ${mode}`);
  if (mode === 'off') return { active: false, reason: 'disabled by --native off' };
  let native;
  try {
    const { enableNative } = await import('../../native/dist/index.js');
    native = await enableNative();
  } catch (e) {
    native = { active: false, reason: `@vlalign/native not loadable: ${e?.message ?? e}` };
  }
  if (mode === 'on' && !native.active) throw new Error(`--native on: ${native.reason}`);
  return native;
}
