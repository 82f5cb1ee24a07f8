// `pnpm bench`: the tiny CLIP training step on every available backend beside the same model in
// PyTorch (+OpenBLAS when bench/setup-openblas.sh could unpack it), and data-pipeline throughput.
// Medians over timed steps after warm-up; each backend runs in its own process. Results are printed
// as a table and written to bench/out/results.json.
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

const results = { date: new Date().toISOString(), steps, warmup, clip: {}, data: undefined };

// PyTorch peer: torch threads 2 x OpenBLAS threads 1 was the fastest setting on 2 cores (backend-feasibility.md §4).
let torchEnv = { OPENBLAS_NUM_THREADS: '1' };
try {
  execFileSync(join(here, 'setup-openblas.sh'), { stdio: 'ignore' });
  const lib = join(out, 'openblas/root/usr/lib/x86_64-linux-gnu/openblas-pthread');
  if (existsSync(lib)) torchEnv = { ...torchEnv, LD_LIBRARY_PATH: lib };
} catch {
  // No apt here: torch runs with whatever BLAS it links.
}
const torch = runJson('/usr/bin/python3', [join(here, 'clip_step_torch.py'), '--steps', String(steps), '--warmup', String(warmup), '--threads', '2'], torchEnv);
results.clip.pytorch = { ...torch, blas: torchEnv.LD_LIBRARY_PATH ? 'openblas (unpacked)' : 'system' };

const backends = ['wasm', 'cpu'];
if (probeTensorflowPackage('@tensorflow/tfjs-node-gpu').loadable || probeTensorflowPackage('@tensorflow/tfjs-node').loadable) backends.unshift('tensorflow');
for (const b of backends) {
  // The pure-JS cpu backend is ~20x slower than wasm; a few steps are enough for its median.
  const [s, w] = b === 'cpu' ? [Math.min(steps, 3), 1] : [steps, warmup];
  results.clip[b] = runJson(process.execPath, [join(here, 'clip-step.mjs'), b, String(s), String(w)]);
  if (b === 'wasm') results.clip['wasm-unfused'] = runJson(process.execPath, [join(here, 'clip-step.mjs'), b, String(s), String(w)], { VLALIGN_FUSED: '0' });
}

// The same comparison on each process's CPU clock (user + system time, one thread each): on a shared
// machine wall time measures the scheduler, CPU time measures the work.
results.clipCpuClock = {
  pytorch: { ...runJson('/usr/bin/python3', [join(here, 'cpu_clock_torch.py'), '--steps', String(steps), '--warmup', String(warmup), '--threads', '1'], torchEnv), blas: results.clip.pytorch.blas },
  wasm: runJson(process.execPath, ['--import', join(here, 'cpu-clock.mjs'), join(here, 'clip-step.mjs'), 'wasm', String(steps), String(warmup)]),
  'wasm-unfused': runJson(process.execPath, ['--import', join(here, 'cpu-clock.mjs'), join(here, 'clip-step.mjs'), 'wasm', String(steps), String(warmup)], { VLALIGN_FUSED: '0' }),
};
results.data = runJson(process.execPath, [join(here, 'data-pipeline.mjs'), '512']);

const fmt = (v, d = 1) => (typeof v === 'number' ? v.toFixed(d) : 'n/a');
function printTable(title, runs) {
  const ref = runs.pytorch?.median_ms;
  const rows = [['run', 'median ms/step', 'min-max ms', 'x PyTorch', 'kernels/step', 'params']];
  for (const [name, r] of Object.entries(runs)) {
    if (r.error) rows.push([name, `failed: ${r.error.slice(0, 80)}`, '', '', '', '']);
    else rows.push([name === 'pytorch' ? `pytorch ${r.torch} (${r.blas}, ${r.threads} thr)` : `tfjs ${name}${r.simd ? ' simd' : ''}`, fmt(r.median_ms), `${fmt(r.min_ms, 0)}-${fmt(r.max_ms, 0)}`, ref ? fmt(r.median_ms / ref, 2) : 'n/a', r.kernels_per_step ?? '-', r.params]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  console.log(`\n${title}`);
  for (const r of rows) console.log(r.map((c, i) => String(c).padEnd(widths[i])).join('  '));
}
printTable('Tiny CLIP training step, wall clock (ViT 32x32/8, width 128, 2 layers, 4 heads, MLP 512; text 16 x 512 vocab; batch 32; AdamW)', results.clip);
{
  const a = results.clip.pytorch?.params;
  const b = results.clip.wasm?.params;
  console.log(`\nparameter count check: PyTorch ${a}, tfjs ${b} -> ${a === b ? 'equal' : 'MISMATCH (the comparison is not like for like)'}`);
}
printTable('Same step, process CPU time (one thread each; robust to a busy machine)', results.clipCpuClock);
if (results.data?.error) console.log(`\ndata pipeline failed: ${results.data.error}`);
else {
  const wasm = results.clip.wasm?.median_ms;
  console.log(`\nData pipeline (64x64 PNG from disk -> batch of 32 tensor): ${fmt(results.data.disk_images_per_s, 0)} images/s; generated in memory: ${fmt(results.data.generated_images_per_s, 0)} images/s`);
  if (wasm) console.log(`  a wasm CLIP step consumes ${fmt((32 / wasm) * 1000, 0)} images/s, so the loader is ${results.data.disk_images_per_s > (32 / wasm) * 1000 ? 'not' : 'IS'} the bottleneck`);
}
writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten: ${join(out, 'results.json')}`);
