// Integration-test helper: runs kcat (librdkafka) as a child process with a deadline.
import { spawn } from 'node:child_process';

/** kcat exited non-zero; `stderr` holds what it said (librdkafka's error names, its -d log). */
export class KcatError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/**
 * Runs kcat with `input` on stdin and resolves with what it printed on stdout and stderr (its `-d`
 * debug log goes to stderr); rejects with KcatError on a non-zero exit or after 30 s (the child is killed).
 */
export function kcatOutput(args: readonly string[], input = ''): Promise<{ stdout: string; stderr: string }> {
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
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new KcatError(`kcat ${args.join(' ')} exited ${code}: ${stderr}`, stderr));
    });
    child.stdin.end(input);
  });
}

/** Runs kcat with `input` on stdin; resolves with its stdout (see kcatOutput). */
export async function kcat(args: readonly string[], input = ''): Promise<string> {
  return (await kcatOutput(args, input)).stdout;
}

/**
 * kcat's arguments that read partition 0 of `topic` from the beginning to its end, quietly, each
 * record printed as `format` (kcat's -f).
 */
export function readPartitionArgs(bootstrap: string, topic: string, format: string): string[] {
  return ['-b', bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', format];
}
