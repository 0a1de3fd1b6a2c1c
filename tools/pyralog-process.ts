// Runs the real `pyralog start` process (through tsx by default, so no build is needed; or a bundle
// such as dist/pyralog-launcher.cjs) with port-0 Kafka and admin listeners on a given log dir, and learns its
// addresses from the ready log line. Used by the integration tests and by the build (which starts
// the built broker once to write its code cache).
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const ROOT = new URL('..', import.meta.url).pathname;

/** Node's arguments before `start`: the TypeScript sources through tsx. */
export const SOURCE_COMMAND: readonly string[] = ['--import', 'tsx', 'src/cli/main.ts'];

export interface PyralogProcess {
  readonly child: ChildProcess;
  readonly bootstrap: string;
  /** `http://127.0.0.1:<port>` of its admin listener (bound to port 0). */
  readonly adminUrl: string;
  readonly readyMs: number;
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Everything the process wrote to stdout so far (JSON log lines). */
  readonly output: () => string;
}

/**
 * Spawns `pyralog start --log-dirs <dataDir>` listening on 127.0.0.1:0 and resolves on its ready
 * line; rejects (after killing it) if it exits first or is not ready within 30 s.
 */
export async function startPyralog(
  dataDir: string,
  extraArgs: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
  command: readonly string[] = SOURCE_COMMAND,
): Promise<PyralogProcess> {
  const child = spawn(
    process.execPath,
    [
      ...command,
      'start',
      '--override',
      'listeners=PLAINTEXT://127.0.0.1:0',
      '--override',
      'admin.listener=127.0.0.1:0',
      '--log-dirs',
      dataDir,
      ...extraArgs,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<{ bootstrap: string; adminUrl: string; readyMs: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ready line within 30 s')), 30_000);
    lines.on('line', (line) => {
      stdout += `${line}\n`;
      const entry = JSON.parse(line) as {
        msg?: string;
        bootstrap?: string;
        admin?: string;
        readyMs?: number;
      };
      if (entry.bootstrap !== undefined && entry.msg?.includes('ready') === true) {
        clearTimeout(timer);
        resolve({ bootstrap: entry.bootstrap, adminUrl: entry.admin ?? '', readyMs: entry.readyMs ?? -1 });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`pyralog start exited with ${code} before ready: ${stderr}`));
    });
  });
  try {
    return { child, exited, output: () => stdout, ...(await ready) };
  } catch (error: unknown) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** SIGTERM (a clean shutdown) unless it already exited; resolves with the exit code. */
export async function stopPyralog(started: PyralogProcess): Promise<number | null> {
  if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGTERM');
  return started.exited;
}

/** SIGKILL unless it already exited; resolves once it is gone. */
export async function killPyralog(started: PyralogProcess): Promise<void> {
  if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
  await started.exited;
}
