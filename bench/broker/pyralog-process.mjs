// Starts the built `pyralog start` (dist/pyralog-launcher.cjs, the bin) for a benchmark: port 0, admin listener on port
// 0, the given data dir; resolves on its ready line. Shared by bench/broker and bench/cli.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/pyralog-launcher.cjs');

/**
 * Spawns `pyralog start` with `extraArgs` (after the command) and `nodeArgs` (before it); resolves with
 * the spawn-to-ready time, its own readyMs, the bootstrap, the admin listener's URL, its pid and stop()
 * (SIGTERM, then its exit).
 * `cli` runs another build (an A/B against a copy of an earlier dist/).
 */
export async function startPyralog(
  dataDir,
  { extraArgs = [], nodeArgs = [], env = process.env, cli = CLI } = {},
) {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      cli,
      'start',
      '--listeners',
      'PLAINTEXT://127.0.0.1:0',
      '--override',
      'admin.listener=127.0.0.1:0',
      '--log-dirs',
      dataDir,
      ...extraArgs,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ready line within 30 s')), 30_000);
    void exited.then((code) => reject(new Error(`pyralog start exited with ${code} before ready`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line);
      if (entry.readyMs !== undefined && entry.bootstrap !== undefined) {
        clearTimeout(timer);
        resolve({
          spawnToReadyMs: performance.now() - started,
          readyMs: entry.readyMs,
          bootstrap: entry.bootstrap,
          admin: entry.admin,
        });
      }
    });
  }).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    ...ready,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
