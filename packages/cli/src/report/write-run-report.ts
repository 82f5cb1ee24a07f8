import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatMetricValue, writeFileAtomic, type MetricsRecord } from '@vlalign/core';
import { buildChartSpecs } from './chart-series.js';
import { collectEnvironment } from './environment.js';
import { renderImageGrid } from './image-grid.js';
import { renderReportHtml } from './report-html.js';
import { readRunFolder, type RunFolderData } from './run-folder-data.js';
import { renderChartSvg } from './render-chart.js';
import { validateReportSample, type ReportSample } from './report-sample.js';

/** Options of {@link writeRunReport}. */
export interface WriteRunReportOptions {
  /** Output file. Default `<runDir>/report.html`. */
  out?: string;
  /**
   * The image grid: test images with generated captions (and optional word points). Compute them
   * with {@link computeReportSamples}, or pass your own; without them the report has no grid.
   */
  samples?: readonly ReportSample[];
  /** Shown above the grid (or instead of it when there are no samples), e.g. why captions are missing. */
  samplesNote?: string;
  /** Page title. Default `vlalign report: <config name>`. */
  title?: string;
  /** Where plugin packages are looked up for their versions. Default the current directory. */
  projectDir?: string;
  /** Clock for the "report written" line (tests pin it). */
  now?: Date;
}

function pluginUses(config: Record<string, unknown>): string[] {
  const plugins = Array.isArray(config.plugins) ? (config.plugins as { use?: unknown }[]) : [];
  return plugins.map((p) => p?.use).filter((u): u is string => typeof u === 'string');
}

function summaryOf(data: RunFolderData): Record<string, string> {
  const c = data.config as { name?: unknown; model?: { kind?: unknown; preset?: unknown } };
  const train = data.metrics.filter((r) => r.split !== 'eval');
  const last: MetricsRecord | undefined = train.at(-1);
  const out: Record<string, string> = {
    run: String(c.name ?? 'run'),
    model: `${String(c.model?.kind ?? '?')} / ${String(c.model?.preset ?? '?')}`,
    plugins: pluginUses(data.config).join(', ') || '-',
    'last logged step': last ? String(last.step) : '-',
    checkpoints: data.checkpoints.length ? `${data.checkpoints.length} (latest step ${data.checkpoints.at(-1)!.step})` : 'none',
  };
  if (last && typeof last.loss === 'number') out['last loss'] = formatMetricValue(last.loss);
  if (train.length > 1) out['wall time'] = `${formatMetricValue((train.at(-1)!.time - train[0].time) / 60, 3)} min`;
  const lastEval = data.metrics.filter((r) => r.split === 'eval').at(-1);
  if (lastEval) {
    for (const [k, v] of Object.entries(lastEval)) if (!['step', 'time', 'split'].includes(k) && typeof v === 'number') out[`eval ${k}`] = formatMetricValue(v);
  }
  return out;
}

/**
 * Writes a self-contained HTML report of a run folder: loss curves (total and per plugin), the
 * learning rate and gradient norm, eval metrics over time (charts rendered to inline SVG in Node
 * with Apache ECharts), a grid of test images with their captions and predicted word points, the
 * config and the environment. The file has no scripts and loads nothing: it works offline.
 *
 * @param runDir a run folder written by `vlalign train` (holds `config.json`, `metrics.jsonl`).
 * @returns the absolute path of the written file.
 * @throws when `runDir` is not a run folder, or a sample is malformed (naming its index and field).
 */
export async function writeRunReport(runDir: string, options: WriteRunReportOptions = {}): Promise<string> {
  const dir = resolve(runDir);
  const data = readRunFolder(dir);
  const samples = options.samples ?? [];
  samples.forEach(validateReportSample);
  const charts = buildChartSpecs(data.metrics).map((spec) => ({ spec, svg: renderChartSvg(spec) }));
  const html = renderReportHtml({
    title: options.title ?? `vlalign report: ${String((data.config as { name?: unknown }).name ?? 'run')}`,
    runDir: dir,
    summary: summaryOf(data),
    charts,
    grid: samples.length ? await renderImageGrid(samples) : undefined,
    gridNote: options.samplesNote ?? (samples.length ? undefined : 'No samples in this report (`vlalign report` generates captions for test images when the run has a vision-language model and a checkpoint).'),
    config: data.config,
    environment: collectEnvironment(data.backend, pluginUses(data.config), options.projectDir ?? process.cwd(), options.now),
  });
  const out = resolve(options.out ?? join(dir, 'report.html'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileAtomic(out, html);
  return out;
}
