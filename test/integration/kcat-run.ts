// Integration-test helper: runs kcat (librdkafka) as a child process with a deadline.
import { spawn } from 'node:child_process';

/** Runs kcat with `input` on stdin; rejects on a non-zero exit or after 20 s (the child is killed). */
export function kcat(args: readonly string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${stderr}`));
    });
    child.stdin.end(input);
  });
}
