// The esbuild bundles of our own code, in one place: the shipped `pyralog` command (built by
// `npm run build`, and by the CLI integration tests into tmp/ so that they run exactly what ships)
// and the ES-module bundles that tests and benches start as child processes (tools/raft-node).
// The npm dependencies stay a require/import of node_modules, but for the pure-JavaScript ones that
// `pyralog start` loads before it is ready (COMMAND_BUNDLED): the native addons (CRC-32C, xxhash,
// snappy, lz4, zstd) cannot be bundled, and the others load on use (prom-client on the first scrape).
import { readFileSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build, type Metafile } from 'esbuild';

export const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * Dependencies bundled into the `pyralog` command, with the packages they require: `pyralog start`
 * loads them before it is ready, and in the bundle they come from V8's code cache instead of being
 * resolved in node_modules and compiled file by file (bench/startup). pino's transports (a worker
 * thread that loads files beside pino's own) would not work from the bundle; Pyralog uses none.
 */
export const COMMAND_BUNDLED: readonly string[] = ['commander', 'pino'];

/** Every package.json dependency but COMMAND_BUNDLED: require()s of node_modules in the command. */
function commandExternals(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
    (name) => !COMMAND_BUNDLED.includes(name),
  );
}

/** The npm packages (name → directory) whose files a bundle contains, from its metafile. */
export function bundledPackages(metafile: Metafile): Map<string, string> {
  const packages = new Map<string, string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/)((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1] !== undefined && match[2] !== undefined) packages.set(match[2], `${match[1]}${match[2]}`);
  }
  return packages;
}

/**
 * The license of every package in a bundle, from each package's own LICENSE file (the bundle keeps
 * none of their comments), for `<bundle>.LICENSES.txt`.
 */
export function licenseNotice(
  packages: ReadonlyMap<string, string>,
  readLicense: (dir: string) => string,
): string {
  const sections = [...packages]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, dir]) => `${name}\n${'-'.repeat(name.length)}\n${readLicense(dir).trim()}\n`);
  return `Third-party packages bundled into this file, with their licenses.\n\n${sections.join('\n')}`;
}

function readLicenseFile(dir: string): string {
  const absolute = join(ROOT, dir);
  const pkg = JSON.parse(readFileSync(join(absolute, 'package.json'), 'utf8')) as { license?: string };
  for (const name of ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE']) {
    try {
      return readFileSync(join(absolute, name), 'utf8');
    } catch {}
  }
  throw new Error(`${dir}: no LICENSE file to ship with the bundle (package.json says ${pkg.license})`);
}

/**
 * The text with every non-ASCII UTF-16 unit replaced by `?`. esbuild escapes non-ASCII characters
 * everywhere but in the comments it keeps (JSDoc in class bodies): one such character makes V8 hold
 * the whole 2 MB source two bytes per character, and the launcher then reads it as UTF-8 rather
 * than as Latin-1. Unit for unit, so the source map's columns stay right.
 */
export function asciiOnly(text: string): string {
  return text.replace(/[\u0080-\uffff]/g, '?');
}

const common = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
} as const;

/** CommonJS output that runs from any file name: import.meta.url becomes the file's own URL. */
const commonJs = {
  format: 'cjs',
  // import.meta does not exist in CommonJS: the bundle's own file URL stands in for it.
  define: { 'import.meta.url': '__pyralogFileUrl' },
  banner: { js: 'const __pyralogFileUrl = require("node:url").pathToFileURL(__filename).href;' },
} as const;

/**
 * Bundles the `pyralog` command as it ships: `<base>.cjs`, src/cli/main.ts, every module of ours it
 * imports and COMMAND_BUNDLED as one CommonJS file (their licenses in `<base>.cjs.LICENSES.txt`);
 * `<base>-launcher.cjs`, the bin (src/cli/launcher.ts), which runs it from V8's code cache
 * `<base>.cjs.cache` when one is there; and `<base>.js`, an ES module that imports the launcher, for
 * `node dist/pyralog.js`. CommonJS because Node 20 has no code cache for ES modules
 * (module.enableCompileCache is Node 22). `base` is a path relative to the repository root, exactly
 * one directory deep (dist/pyralog, tmp/pyralog-x), so that `new URL('../package.json',
 * import.meta.url)` in src/version.ts finds the package's package.json.
 */
export async function bundleCommand(base: string): Promise<void> {
  const bundle = await build({
    ...common,
    ...commonJs,
    external: commandExternals(),
    metafile: true,
    entryPoints: ['src/cli/main.ts'],
    outfile: `${base}.cjs`,
    sourcemap: true,
    // import() becomes require(): a vm.Script (the launcher) has no module loader for import() without
    // an experimental flag, and every dependency is CommonJS (prom-client loads on the first scrape).
    supported: { 'dynamic-import': false },
  });
  const output = join(ROOT, `${base}.cjs`);
  const text = await readFile(output, 'utf8');
  if (asciiOnly(text) !== text) await writeFile(output, asciiOnly(text));
  const licenses = join(ROOT, `${base}.cjs.LICENSES.txt`);
  await writeFile(licenses, licenseNotice(bundledPackages(bundle.metafile), readLicenseFile));
  await build({
    ...common,
    ...commonJs,
    packages: 'external',
    entryPoints: ['src/cli/launcher.ts'],
    outfile: `${base}-launcher.cjs`,
  });
  const esModule = join(ROOT, `${base}.js`);
  await writeFile(
    esModule,
    `#!/usr/bin/env node\n// Runs the pyralog command through its CommonJS launcher (the bin).\nimport './${basename(base)}-launcher.cjs';\n`,
  );
  await chmod(esModule, 0o755);
}

/** Bundles one entry point (relative to the root) as an ES module, for a child process to run. */
export async function bundleModule(entryPoint: string, outfile: string): Promise<void> {
  await build({ ...common, packages: 'external', entryPoints: [entryPoint], outfile, format: 'esm' });
}
