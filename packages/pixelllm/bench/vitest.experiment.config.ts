import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../../vitest.shared';

// The experiment runs through vitest only because vitest is this repo's TypeScript runner (it
// resolves @vlalign/core to its source); it is not part of the test suite.
export default defineConfig({
  ...sharedTestConfig,
  test: { ...sharedTestConfig.test, include: ['bench/**/*.experiment.ts'], testTimeout: 3_600_000, hookTimeout: 3_600_000 },
});
