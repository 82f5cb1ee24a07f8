import { dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { formatMetricsTable } from '@vlalign/core';
import { formatBaselineTable, metricsWithBaselines } from './run/baseline-table.js';
import { loadConfig } from './config/load-config.js';
import { formatDoctor, runDoctor } from './commands/doctor.js';
import { runSynth } from './commands/synth.js';
import { runTraining } from './run/run-training.js';
import { loadRunConfig } from './run/run-folder.js';
import { importFromProject } from './config/resolve-plugin.js';
import { registerReportCommand, runReport } from './commands/report.js';

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

/** Builds the `vlalign` command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('vlalign')
    .description('Align vision and language models: train, evaluate, make data, check the machine.')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('train')
    .description('Train from a YAML or JSON config (resumes automatically from the run folder).')
    .argument('<config>', 'config file (.yaml, .yml or .json)')
    .option('--out <dir>', 'run folder (overrides output.dir)')
    .option('--steps <n>', 'total optimiser steps (overrides train.steps)', int)
    .option('--report', 'write report.html into the run folder afterwards')
    .action(async (file: string, opts: { out?: string; steps?: number; report?: boolean }) => {
      const config = loadConfig(file);
      const run = await runTraining(config, { configDir: dirname(resolve(file)), runDir: opts.out ? resolve(opts.out) : undefined, steps: opts.steps });
      printFinal(run.result.evalMetrics, run.result.metrics, run.runDir);
      if (run.result.interrupted) process.stderr.write(`interrupted at step ${run.result.step}; run the same command again to resume\n`);
      else if (opts.report) process.stdout.write(`report: ${await runReport(run.runDir)}\n`);
    });

  program
    .command('eval')
    .description('Run every plugin\'s eval hooks on a trained run (a run folder) or a config (an untrained one with model.init: on those starting weights).')
    .argument('<config-or-run>', 'a run folder written by `vlalign train`, or a config file')
    .action(async (target: string) => {
      const { config, configDir, runDir } = existsSync(resolve(target, 'config.json'))
        ? { ...loadRunConfig(resolve(target)), runDir: resolve(target) }
        : { config: loadConfig(target), configDir: dirname(resolve(target)), runDir: undefined };
      const run = await runTraining(config, { configDir, runDir, evalOnly: true });
      printFinal(run.result.evalMetrics, {}, run.runDir);
    });

  program
    .command('synth')
    .description('Write the shapes world to disk as PNG images + manifest.jsonl.')
    .requiredOption('--out <dir>', 'output folder')
    .option('--size <n>', 'number of samples', int, 1000)
    .option('--seed <n>', 'seed', int, 0)
    .option('--split <split>', 'train | val | test', 'train')
    .option('--image-size <n>', 'image side in pixels', int, 64)
    .action(async (opts: { out: string; size: number; seed: number; split: 'train' | 'val' | 'test'; imageSize: number }) => {
      if (!['train', 'val', 'test'].includes(opts.split)) throw new InvalidArgumentError(`--split must be train, val or test; got ${opts.split}`);
      await runSynth(opts);
      process.stdout.write(`wrote ${opts.size} samples to ${resolve(opts.out)}\n`);
    });

  program
    .command('doctor')
    .description('Show the tensor backend, versions, threads, SIMD, and why tfjs-node(-gpu) is or is not used.')
    .action(async () => {
      process.stdout.write(`${formatDoctor(await runDoctor())}\n`);
    });

  const seva = program.command('seva').description('SeVa preference-pair tools (needs @vlalign/seva).');
  seva
    .command('pairs')
    .description('Answer each prompt on the clean and the augmented image and write TRL-layout preference pairs (resumes).')
    .argument('<config>', 'a config with model.init (the SFT run), data.train and a seva plugin entry (options.pairs)')
    .option('--out <file>', 'pairs JSONL to write (default from the config)')
    .option('--limit <n>', 'stop after this many source samples', int)
    .action(async (file: string, opts: { out?: string; limit?: number }) => {
      const mod = await importFromProject('@vlalign/seva', process.cwd(), '`vlalign seva pairs` needs @vlalign/seva, but');
      const run = mod.runSevaPairs as (f: string, o: { out?: string; limit?: number }) => Promise<{ kept: number; dropped: number; out: string }>;
      const r = await run(file, { out: opts.out && resolve(opts.out), limit: opts.limit });
      process.stdout.write(`kept ${r.kept} pairs, dropped ${r.dropped} identical; wrote ${r.out}\n`);
    });

  registerReportCommand(program);
  return program;
}

function printFinal(evalMetrics: Record<string, number>, trainMetrics: Record<string, number>, runDir: string): void {
  const train = Object.fromEntries(Object.entries(trainMetrics).filter(([k]) => k === 'loss' || k.endsWith('/loss') || k === 'step_time_ms'));
  if (Object.keys(train).length) process.stdout.write(`\nlast training window\n${formatMetricsTable(train)}\n`);
  if (Object.keys(evalMetrics).length) process.stdout.write(`\nevaluation (held-out data)\n${formatBaselineTable(metricsWithBaselines(evalMetrics))}\n`);
  process.stdout.write(`run folder: ${runDir}\n`);
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) return e.exitCode ?? 1;
    throw err;
  }
}
