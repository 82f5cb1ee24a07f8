// Bundles shapes-experiment.ts (lavit from source) by esbuild and runs it with node. @vlalign/* stay
// external (core from its dist, so that @vlalign/native patches the same core); packages with
// native/wasm payloads stay external, resolved to absolute paths from core's folder.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const core = join(here, '..', '..', 'core');
const requireFromCore = createRequire(join(core, 'package.json'));
const out = join(here, '.experiment.bundle.mjs');
// esbuild comes with the workspace's tsup (root devDependency), so no extra dependency is needed.
const requireFromRoot = createRequire(join(here, '..', '..', '..', 'package.json'));
const { build } = createRequire(requireFromRoot.resolve('tsup'))('esbuild');
await build({
  entryPoints: [join(here, 'shapes-experiment.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: out,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  plugins: [
    {
      name: 'external-from-core',
      setup(b) {
        b.onResolve({ filter: /^@vlalign\/core$/ }, () => ({ path: join(core, 'dist', 'index.js'), external: true }));
        b.onResolve({ filter: /^(@tensorflow\/|sharp|@huggingface\/|tar-stream|braces)/ }, (args) => ({ path: requireFromCore.resolve(args.path), external: true }));
      },
    },
  ],
});
await import(pathToFileURL(out).href);
