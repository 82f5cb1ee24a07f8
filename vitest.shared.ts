import { fileURLToPath } from 'node:url';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

// Tests import sibling packages from source so a change in core is seen without a rebuild;
// the published builds are exercised by the pack-and-install test instead.
const root = fileURLToPath(new URL('.', import.meta.url));
const alias: Record<string, string> = {};
for (const dir of readdirSync(join(root, 'packages'))) {
  const entry = join(root, 'packages', dir, 'src', 'index.ts');
  if (existsSync(entry)) alias[dir === 'cli' ? 'vlalign' : `@vlalign/${dir}`] = entry;
}

export const sharedTestConfig = {
  resolve: { alias },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks' as const,
    fileParallelism: false,
  },
};
