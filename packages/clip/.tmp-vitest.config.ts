import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '/work/main/vitest.shared';

export default defineConfig({
  ...sharedTestConfig,
  root: '/work/main/packages/clip',
  resolve: { alias: { ...sharedTestConfig.resolve.alias, '@vlalign/core': '/work/main/packages/clip/.tmp-core/src/index.ts' } },
});
