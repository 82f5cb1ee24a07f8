/**
 * report — `vlalign report <run-folder>`: a self-contained HTML report of a run (charts rendered to
 * inline SVG in Node, an image grid of generated captions, the config and the environment).
 */
export { writeRunReport, type WriteRunReportOptions } from './write-run-report.js';
export { computeReportSamples, type ComputeReportSamplesOptions, type ComputedReportSamples } from './compute-samples.js';
export { buildChartSpecs, type ChartSpec, type ChartSeries, type ChartSpecOptions } from './chart-series.js';
export { renderChartSvg, type ChartSize } from './render-chart.js';
export { readRunFolder, type RunFolderData, type RecordedBackend } from './run-folder-data.js';
export type { ReportSample, ReportWordPoints } from './report-sample.js';
export type { ReportEnvironment } from './environment.js';
