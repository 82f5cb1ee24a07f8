// Preload (`node --import ./bench/cpu-clock.mjs ...`) that makes performance.now() read this
// process's CPU time (user + system, all threads) instead of wall time. On a shared machine, wall
// time measures the scheduler; CPU time measures the work. Used by bench/fused-ops.mjs.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
Object.defineProperty(globalThis.performance, 'now', { value: cpuMs, configurable: true, writable: true });
