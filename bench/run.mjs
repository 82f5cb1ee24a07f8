// `pnpm bench`: vlalign's training steps on tfjs beside the same models in PyTorch (+OpenBLAS when
// bench/setup-openblas.sh could unpack it), and data-pipeline throughput.
//
//   1. the tiny CLIP step on every available backend and the captioning-VLM step, wall clock: PyTorch
//      with 2 threads against wasm + fused ops with the threaded SIMD GEMM (2 threads; also 1), plain
//      wasm and wasm + @vlalign/native;
//   2. the tiny CLIP step and the tiny-VLM captioning step, process CPU time, one thread each, as
//      plain wasm (VLALIGN_FUSED=0), wasm + fused ops, wasm + fused ops + @vlalign/native, and
//      PyTorch + OpenBLAS: ratios to PyTorch, kernel calls per step, peak memory;
//   3. the data pipeline.
//
// Medians over timed steps after warm-up (BENCH_STEPS, BENCH_WARMUP; BENCH_ROUNDS interleaved runs
// of the CPU-time rows); each run is its own process.
// Results are printed as tables and written to bench/out/results.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeTensorflowPackage } from '@vlalign/core';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'out');
mkdirSync(out, { recursive: true });
const steps = Number(process.env.BENCH_STEPS ?? 20);
const warmup = Number(process.env.BENCH_WARMUP ?? 5);

function runJson(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, cwd: join(here, '..'), maxBuffer: 1 << 24 });
  if (r.status !== 0) return { error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-3).join(' ') };
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  return line ? JSON.parse(line) : { error: 'no JSON output' };
}

/** @vlalign/native when it is built here (its status says why not otherwise). */
async function nativeInfo() {
  try {
    const native = await import('@vlalign/native');
    return { openblasCoreHint: native.openblasCoreHint };
  } catch {
    return {};
  }
}

const results = { date: new Date().toISOString(), steps, warmup, rounds: undefined, clip: {}, caption: {}, cpuClock: {}, data: undefined };
const { openblasCoreHint } = await nativeInfo();

// PyTorch peer: torch threads 2 x OpenBLAS threads 1 was the fastest setting on 2 cores (backend-feasibility.md §4).
let torchEnv = { OPENBLAS_NUM_THREADS: '1' };
try {
  execFileSync(join(here, 'setup-openblas.sh'), { stdio: 'ignore' });
  const lib = join(out, 'openblas/root/usr/lib/x86_64-linux-gnu/openblas-pthread');
  if (existsSync(lib)) torchEnv = { ...torchEnv, LD_LIBRARY_PATH: lib };
} catch {
  // No apt here: torch runs with whatever BLAS it links.
}
// OpenBLAS picks its kernels by CPU model and falls back to slow SSE3 ones on CPUs it does not know
// (VMs); @vlalign/native then forces kernels by instruction set. PyTorch gets the same choice, so
// both sides run the same OpenBLAS kernels.
const core = process.env.OPENBLAS_CORETYPE || openblasCoreHint?.();
if (core) torchEnv.OPENBLAS_CORETYPE = core;
const blasLabel = `${torchEnv.LD_LIBRARY_PATH ? 'openblas (unpacked)' : 'system'}${core ? `, ${core}` : ''}`;

// BENCH_ROUNDS > 1 runs every configuration that many times, interleaved, and keeps the median of
// the run medians (the machine's load drifts; interleaving spreads it over all rows alike).
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
results.rounds = rounds;
const medianOf = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Runs each configuration `rounds` times, interleaved; per row the median of its run medians. */
function interleaved(configs) {
  const runs = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) for (const [name, run] of Object.entries(configs)) runs[name].push(run());
  return Object.fromEntries(
    Object.entries(runs).map(([name, list]) => {
      const ok = list.filter((x) => !x.error);
      if (!ok.length) return [name, list[0]];
      const meds = ok.map((x) => x.median_ms);
      return [name, { ...ok[0], median_ms: medianOf(meds), run_medians: meds, min_ms: Math.min(...ok.map((x) => x.min_ms)), max_ms: Math.max(...ok.map((x) => x.max_ms)), max_rss_mb: Math.max(...ok.map((x) => x.max_rss_mb)) }];
    }),
  );
}

// Wall clock, both steps: PyTorch with 2 threads against wasm + fused ops with the threaded SIMD
// GEMM (2 threads on 2 cores; also 1), plain wasm (VLALIGN_FUSED=0: tfjs's own kernels) and
// wasm + @vlalign/native.
for (const [task, script, torchScript] of [['clip', 'clip-step.mjs', 'clip_step_torch.py'], ['caption', 'caption-step.mjs', 'caption_step_torch.py']]) {
  const node = (env) => () => runJson(process.execPath, [join(here, script), 'wasm', String(steps), String(warmup)], env);
  results[task] = interleaved({
    pytorch: () => ({ ...runJson('/usr/bin/python3', [join(here, torchScript), '--steps', String(steps), '--warmup', String(warmup), '--threads', '2'], torchEnv), blas: blasLabel }),
    'wasm fused': node({}),
    'wasm fused, 1 GEMM thread': node({ VLALIGN_GEMM_THREADS: '1' }),
    'wasm plain': node({ VLALIGN_FUSED: '0' }),
    'wasm fused + native': node({ BENCH_NATIVE: '1' }),
  });
}
// Other backends, CLIP step, one run each. The pure-JS cpu backend is ~20x slower than wasm; a few
// steps are enough for its median.
const others = ['cpu'];
if (probeTensorflowPackage('@tensorflow/tfjs-node-gpu').loadable || probeTensorflowPackage('@tensorflow/tfjs-node').loadable) others.unshift('tensorflow');
for (const b of others) {
  const [s, w] = b === 'cpu' ? [Math.min(steps, 3), 1] : [steps, warmup];
  results.clip[b] = runJson(process.execPath, [join(here, 'clip-step.mjs'), b, String(s), String(w)]);
}

// The comparison that matters on a busy machine, on each process's CPU clock (user + system time, one
// thread each, so the GEMM runs on 1 thread here): wall time measures the scheduler, CPU time the work.
const clock = ['--import', join(here, 'cpu-clock.mjs')];
const stepArgs = ['wasm', String(steps), String(warmup)];
for (const [task, script] of [['clip', 'clip-step.mjs'], ['caption', 'caption-step.mjs']]) {
  const configs = {
    pytorch: () => ({ ...runJson('/usr/bin/python3', [join(here, 'cpu_clock_torch.py'), '--task', task, '--steps', String(steps), '--warmup', String(warmup), '--threads', '1'], torchEnv), blas: blasLabel }),
    'wasm plain': () => runJson(process.execPath, [...clock, join(here, script), ...stepArgs], { VLALIGN_FUSED: '0', VLALIGN_GEMM_THREADS: '1' }),
    'wasm fused': () => runJson(process.execPath, [...clock, join(here, script), ...stepArgs], { VLALIGN_FUSED: '1', VLALIGN_GEMM_THREADS: '1' }),
    'wasm fused + native': () => runJson(process.execPath, [...clock, join(here, script), ...stepArgs], { VLALIGN_FUSED: '1', BENCH_NATIVE: '1', VLALIGN_GEMM_THREADS: '1' }),
  };
  results.cpuClock[task] = interleaved(configs);
}
results.data = runJson(process.execPath, [join(here, 'data-pipeline.mjs'), '512']);

const fmt = (v, d = 1) => (typeof v === 'number' ? v.toFixed(d) : 'n/a');
function printRows(title, rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  console.log(`\n${title}`);
  for (const r of rows) console.log(r.map((c, i) => String(c).padEnd(widths[i])).join('  '));
}
function printTable(title, runs) {
  const ref = runs.pytorch?.median_ms;
  const rows = [['run', 'median ms/step', 'min-max ms', 'x PyTorch', 'kernels/step', 'params']];
  for (const [name, r] of Object.entries(runs)) {
    if (r.error) rows.push([name, `failed: ${r.error.slice(0, 80)}`, '', '', '', '']);
    else rows.push([name === 'pytorch' ? `pytorch ${r.torch} (${r.blas}, ${r.threads} thr)` : `tfjs ${name}${r.simd ? ' simd' : ''}${r.native ? ` (${r.native})` : r.gemm_threads ? ` (GEMM ${r.gemm_threads} thr)` : ''}`, fmt(r.median_ms), `${fmt(r.min_ms, 0)}-${fmt(r.max_ms, 0)}`, ref ? fmt(r.median_ms / ref, 2) : 'n/a', r.kernels_per_step ?? '-', r.params]);
  }
  printRows(title, rows);
}
function printClockTable(title, runs) {
  const ref = runs.pytorch?.median_ms;
  const rows = [['run', 'median ms/step', 'min-max ms', 'x PyTorch', 'kernels/step', 'wasm heap MB', 'max RSS MB', 'params']];
  for (const [name, r] of Object.entries(runs)) {
    if (r.error) rows.push([name, `failed: ${r.error.slice(0, 80)}`, '', '', '', '', '', '']);
    else {
      const label = name === 'pytorch' ? `pytorch ${r.torch} + ${r.blas}` : `${name}${r.native ? ` (${r.native})` : ''}`;
      rows.push([label, fmt(r.median_ms), `${fmt(r.min_ms, 0)}-${fmt(r.max_ms, 0)}`, ref ? fmt(r.median_ms / ref, 2) : 'n/a', r.kernels_per_step ?? '-', fmt(r.wasm_heap_mb, 0), fmt(r.max_rss_mb, 0), r.params]);
    }
  }
  printRows(title, rows);
}
function paramCheck(a, b) {
  return `parameter count check: PyTorch ${a}, tfjs ${b} -> ${a === b ? 'equal' : 'MISMATCH (the comparison is not like for like)'}`;
}

console.log(`steps: median of ${steps} after ${warmup} warm-up (BENCH_STEPS / BENCH_WARMUP); each row: median of ${rounds} interleaved run${rounds > 1 ? "s" : ""} (BENCH_ROUNDS)`);
printTable('Tiny CLIP training step, wall clock (ViT 32x32/8, width 128, 2 layers, 4 heads, MLP 512; text 16 x 512 vocab; batch 32; AdamW)', results.clip);
console.log(`\n${paramCheck(results.clip.pytorch?.params, results.clip['wasm fused']?.params)}`);
printTable('Tiny-VLM captioning step, wall clock (batch 16 x 32 tokens; PyTorch 2 threads, wasm GEMM 2 threads)', results.caption);
printClockTable('Tiny CLIP step, process CPU time, one thread each (robust to a busy machine)', results.cpuClock.clip);
printClockTable('Tiny-VLM captioning step (ViT 64x64/8 + projector + causal LM, width 64, 2+2 layers, vocab 512; batch 16 x 32 tokens; AdamW), process CPU time, one thread each', results.cpuClock.caption);
console.log(`\n${paramCheck(results.cpuClock.caption.pytorch?.params, results.cpuClock.caption['wasm fused']?.params)}`);
if (results.data?.error) console.log(`\ndata pipeline failed: ${results.data.error}`);
else {
  const wasm = results.clip['wasm fused']?.median_ms;
  console.log(`\nData pipeline (64x64 PNG from disk -> batch of 32 tensor): ${fmt(results.data.disk_images_per_s, 0)} images/s; generated in memory: ${fmt(results.data.generated_images_per_s, 0)} images/s`);
  if (wasm) console.log(`  a wasm CLIP step consumes ${fmt((32 / wasm) * 1000, 0)} images/s, so the loader is ${results.data.disk_images_per_s > (32 / wasm) * 1000 ? 'not' : 'IS'} the bottleneck`);
}
writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten: ${join(out, 'results.json')}`);
