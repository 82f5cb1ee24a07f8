// Fused ops on vs off for the tiny-CLIP training step, interleaved so both see the same machine
// state: node bench/fused-ops.mjs [rounds=3] [steps=20] [warmup=5]
// Each run is a child `node bench/clip-step.mjs wasm` with VLALIGN_FUSED=1 or 0; prints one JSON
// line per run and a summary (median of run medians, kernels/step) as the last JSON line.
// Times are process CPU ms (bench/cpu-clock.mjs), which a busy shared machine distorts far less
// than wall time; BENCH_CLOCK=wall measures wall time instead. The PyTorch peer on the same clock:
// OPENBLAS_NUM_THREADS=1 python3 bench/cpu_clock_torch.py --threads 1
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [rounds = 3, steps = 20, warmup = 5] = process.argv.slice(2).map(Number);
const runs = { fused: [], plain: [] };
for (let r = 0; r < rounds; r++) {
  for (const [name, flag] of [['fused', '1'], ['plain', '0']]) {
    const clock = process.env.BENCH_CLOCK === 'wall' ? [] : ['--import', join(here, 'cpu-clock.mjs')];
    const p = spawnSync(process.execPath, [...clock, join(here, 'clip-step.mjs'), 'wasm', String(steps), String(warmup)], { encoding: 'utf8', env: { ...process.env, VLALIGN_FUSED: flag }, cwd: join(here, '..') });
    const line = (p.stdout || '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
    if (p.status !== 0 || !line) throw new Error(`clip-step (${name}) failed: ${(p.stderr || '').slice(-500)}`);
    const res = JSON.parse(line);
    runs[name].push(res);
    console.log(JSON.stringify({ round: r, variant: name, ...res }));
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = Object.fromEntries(Object.entries(runs).map(([k, rs]) => [k, { median_ms: median(rs.map((x) => x.median_ms)), run_medians: rs.map((x) => Math.round(x.median_ms)), kernels_per_step: rs[0].kernels_per_step, first_loss: rs[0].first_loss }]));
console.log(JSON.stringify({ clock: process.env.BENCH_CLOCK === 'wall' ? 'wall' : 'cpu', summary }));
