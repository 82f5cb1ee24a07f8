import { test } from 'vitest';
import { runShapesExperiment, settingsFromEnv } from './shapes-experiment.js';

test('PixelLLM shapes-world experiment', async () => {
  await runShapesExperiment(settingsFromEnv());
});
