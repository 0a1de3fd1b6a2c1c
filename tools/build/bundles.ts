// The esbuild bundles of our own code, in one place: the shipped `pyralog` command (built by
// `npm run build`, and by the CLI integration tests into tmp/ so that they run exactly what ships)
// and the ES-module bundles that tests and benches start as child processes (tools/raft-node).
// Every npm dependency stays a require/import of node_modules: the native addons (CRC-32C, xxhash,
// snappy, lz4, zstd) cannot be bundled, and pino and commander load their own files at run time.
import { build } from 'esbuild';

export const ROOT = new URL('../..', import.meta.url).pathname;

const common = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  legalComments: 'none',
  logLevel: 'warning',
} as const;

/**
 * Bundles the `pyralog` command as it ships: `<base>.cjs`, src/cli/main.ts and every module of ours
 * it imports as one CommonJS file, and `<base>.js`, the launcher (src/cli/launcher.ts) that runs it
 * from V8's code cache `<base>.cjs.cache` when one is there. CommonJS because Node 20 has no code
 * cache for ES modules (module.enableCompileCache is Node 22). `base` is a path relative to the
 * repository root, exactly one directory deep (dist/pyralog, tmp/pyralog-x), so that
 * `new URL('../package.json', import.meta.url)` in src/version.ts finds the package's package.json.
 */
export async function bundleCommand(base: string): Promise<void> {
  await build({
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: `${base}.cjs`,
    format: 'cjs',
    sourcemap: true,
    // import.meta does not exist in CommonJS: the bundle's own file URL stands in for it.
    define: { 'import.meta.url': '__pyralogFileUrl' },
    // import() becomes require(): a vm.Script (the launcher) has no module loader for import() without
    // an experimental flag, and every dependency is CommonJS (prom-client loads on the first scrape).
    supported: { 'dynamic-import': false },
    banner: { js: 'const __pyralogFileUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  await build({ ...common, entryPoints: ['src/cli/launcher.ts'], outfile: `${base}.js`, format: 'esm' });
}

/** Bundles one entry point (relative to the root) as an ES module, for a child process to run. */
export async function bundleModule(entryPoint: string, outfile: string): Promise<void> {
  await build({ ...common, entryPoints: [entryPoint], outfile, format: 'esm' });
}
