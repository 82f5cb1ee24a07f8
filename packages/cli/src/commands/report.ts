import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { computeReportSamples } from '../report/compute-samples.js';
import { writeRunReport } from '../report/write-run-report.js';

/** Options of {@link runReport}. */
export interface RunReportOptions {
  /** Output file (default `<run>/report.html`). */
  out?: string;
  /** Test images to caption (0 skips generation). Default 8. */
  samples?: number;
  /** Where plugin packages are resolved from. Default the current directory. */
  projectDir?: string;
}

/** What `vlalign report` does: compute the image grid from the run's checkpoint, then write the report. */
export async function runReport(runDir: string, options: RunReportOptions = {}): Promise<string> {
  const dir = resolve(runDir);
  const count = options.samples ?? 8;
  const computed = count > 0 ? await computeReportSamples(dir, { count, projectDir: options.projectDir }) : { samples: [], note: 'Sample generation was turned off (--samples 0).' };
  return writeRunReport(dir, { out: options.out, samples: computed.samples, samplesNote: computed.note, projectDir: options.projectDir });
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

/** Adds `vlalign report <run-folder>` to a commander program. */
export function registerReportCommand(program: Command): Command {
  program
    .command('report')
    .description('Write a self-contained HTML report of a run: loss, lr and eval curves, captioned test images, config, environment.')
    .argument('<run-folder>', 'a run folder written by `vlalign train`')
    .option('--out <file>', 'output file (default <run-folder>/report.html)')
    .option('--samples <n>', 'test images to caption (0 to skip generation)', count, 8)
    .action(async (runDir: string, opts: { out?: string; samples: number }) => {
      const file = await runReport(runDir, { out: opts.out, samples: opts.samples });
      process.stdout.write(`report: ${file}\n`);
    });
  return program;
}
