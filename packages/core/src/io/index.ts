/**
 * io — safetensors read/write, crash-safe files, checkpoints, run folders and the metrics log.
 */
export {
  encodeSafetensors,
  decodeSafetensors,
  SafetensorsError,
  type SafetensorsMetadata,
  type DecodedSafetensors,
} from './safetensors.js';
export { saveSafetensors, loadSafetensors, readSafetensorsHeader } from './safetensors-file.js';
export { type SafetensorsHeader, type SafetensorsTensorInfo } from './safetensors-header.js';
export { SAFETENSORS_DTYPES, halfBitsToFloat, type DecodedDtype } from './safetensors-dtypes.js';
export { writeFileAtomic, writeJson } from './atomic-write.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  findLatestCheckpoint,
  listCheckpoints,
  checkpointDirName,
  CHECKPOINT_FILES,
  type CheckpointData,
  type LoadedCheckpoint,
  type SaveCheckpointOptions,
} from './checkpoint.js';
export {
  MetricsWriter,
  readMetrics,
  truncateMetricsAfter,
  type MetricsRecord,
  type MetricValue,
  type MetricsWriterOptions,
} from './metrics-log.js';
export { createRunDir } from './run-dir.js';
