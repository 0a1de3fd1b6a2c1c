// Integration-test helper: the `pyralog` command bundled once exactly as `npm run build` ships it (the
// CommonJS bundle and the launcher that runs it through a vm.Script: tools/build/bundles.ts), so that
// the tests run what users run (tsx would also compile every module again for each of a test's dozens
// of runs), and a runner that captures its output. No code cache is written: the launcher compiles.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleCommand, ROOT } from '../../tools/build/bundles.js';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliBundle {
  /** The launcher's path (the `pyralog` bin: what `node <path> <args>` runs). */
  readonly path: string;
  /** Runs `pyralog <args>` to its end. */
  run(...args: string[]): Promise<CliRun>;
  /** Runs `pyralog <args>` with `stdin` written to its standard input (then closed), to its end. */
  runWithInput(stdin: string, ...args: string[]): Promise<CliRun>;
  /** Starts `pyralog <args>` (for a command that runs until signalled): its output so far and its end. */
  start(...args: string[]): { child: ChildProcess; output: () => CliRun; exited: Promise<CliRun> };
  /** Deletes the bundle. */
  remove(): Promise<void>;
}

/**
 * Bundles the command into tmp/ (git-ignored; one level below the root, as dist/ is), named after
 * `name` and this process so that parallel test files never share one.
 */
export async function bundleCli(name: string): Promise<CliBundle> {
  const base = join('tmp', `pyralog-${name}-${process.pid}`);
  await bundleCommand(base);
  const bundle = join(ROOT, `${base}-launcher.cjs`);
  const start = (args: readonly string[], stdin: 'pipe' | 'ignore') => {
    const child = spawn(process.execPath, [bundle, ...args], { cwd: ROOT, stdio: [stdin, 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<CliRun>((resolve) =>
      child.once('close', (code) => resolve({ code, stdout, stderr })),
    );
    return { child, output: () => ({ code: child.exitCode, stdout, stderr }), exited };
  };
  return {
    path: bundle,
    run: (...args) => start(args, 'ignore').exited,
    runWithInput: (stdin, ...args) => {
      const started = start(args, 'pipe');
      started.child.stdin!.end(stdin);
      return started.exited;
    },
    start: (...args) => start(args, 'ignore'),
    remove: async () => {
      for (const suffix of ['.js', '-launcher.cjs', '.cjs', '.cjs.map', '.cjs.LICENSES.txt'])
        await rm(join(ROOT, `${base}${suffix}`), { force: true });
    },
  };
}

/** Asserts exit code 0 (the message carries stderr) and returns the run. */
export function ok(run: CliRun): CliRun {
  assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
  return run;
}
