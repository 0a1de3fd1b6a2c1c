// Integration-test helper: runs one of the Python client scripts in test/integration/python with
// Debian's /usr/bin/python3 (the only interpreter that imports python3-kafka and
// python3-confluent-kafka; tools/ensure-test-deps.sh installs them), one JSON request on stdin and
// one JSON answer on stdout.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPTS = fileURLToPath(new URL('./python/', import.meta.url));

/** What every script answers besides its op's own fields: the Kafka requests (with versions) it sent. */
export interface ClientAnswer {
  readonly requests: readonly string[];
}

/** Runs `script` with `request`; rejects on a non-zero exit, unparsable output or after `timeoutMs`. */
export function runPythonClient<T extends object>(
  script: string,
  request: Readonly<Record<string, unknown>>,
  timeoutMs = 90_000,
): Promise<T & ClientAnswer> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [`${SCRIPTS}${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8_000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`${script} ${String(request['op'])} exited ${code ?? signal}: ${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(stdout).toString('utf8')) as T & ClientAnswer);
      } catch (error: unknown) {
        reject(new Error(`${script} ${String(request['op'])} printed no JSON: ${stderr}`, { cause: error }));
      }
    });
    child.stdin.end(JSON.stringify(request));
  });
}
