/**
 * `vlalign` — the command line, and the same pipeline as a library: load a config, build the run,
 * train. `runTraining(loadConfig('examples/clip.yaml'))` is what `vlalign train` does.
 */
export { loadConfig, parseConfig, ConfigError, type VlalignConfig, type VlalignConfigInput } from './config/load-config.js';
export { configSchema, dataSourceSchema, pluginEntrySchema, type DataSourceConfig, type PluginEntryConfig } from './config/schema.js';
export { loadPlugin, importFromProject, parsePluginReference, type PluginReference } from './config/resolve-plugin.js';
export { runTraining, type RunTrainingOptions, type TrainingRun } from './run/run-training.js';
export { buildDataset } from './run/build-data.js';
export { buildModel } from './run/build-model.js';
export { buildTokenizer } from './run/build-tokenizer.js';
export { loadRunConfig } from './run/run-folder.js';
export { runDoctor, formatDoctor, type DoctorReport } from './commands/doctor.js';
export { buildProgram, main } from './main.js';
export * from './report/index.js';
export { registerReportCommand, runReport, type RunReportOptions } from './commands/report.js';
export { metricsWithBaselines, formatBaselineTable, type BaselineRow } from './run/baseline-table.js';
