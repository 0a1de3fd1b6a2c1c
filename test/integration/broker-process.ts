// Test-only: `pyralog start` as a child process on port 0 (so a test can SIGKILL it), ready once it logs its bootstrap.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly bootstrap: string;
  readonly exited: Promise<number | null>;
}

/** Spawns `pyralog start` on `dataDir` with `--override` settings; rejects if it exits or is not ready in 30 s. */
export async function startBrokerProcess(
  dataDir: string,
  overrides: Readonly<Record<string, string>>,
): Promise<BrokerProcess> {
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'start', '--log-dirs', dataDir];
  for (const [key, value] of Object.entries({ listeners: 'PLAINTEXT://127.0.0.1:0', ...overrides })) {
    args.push('--override', `${key}=${value}`);
  }
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ready line within 30 s')), 30_000);
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; bootstrap?: string };
      if (entry.bootstrap !== undefined && entry.msg?.includes('ready') === true) {
        clearTimeout(timer);
        resolve(entry.bootstrap);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`pyralog start exited with ${code} before ready: ${stderr}`));
    });
  });
  try {
    return { child, exited, bootstrap: await ready };
  } catch (error: unknown) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Kills the process with `signal` and waits for its exit. */
export async function killBrokerProcess(broker: BrokerProcess, signal: NodeJS.Signals): Promise<void> {
  if (broker.child.exitCode === null && broker.child.signalCode === null) broker.child.kill(signal);
  await broker.exited;
}
