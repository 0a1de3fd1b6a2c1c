// ../shared/bench (read-only) copied into bench/.out/shared-bench with rdkafka_performance built in
// its bin/, for the benchmarks that drive librdkafka against our broker (bench/broker, bench/cli).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const SHARED = join(ROOT, '../shared/bench');
const OUT = join(ROOT, 'bench/.out');

/** The writable copy's directory (built on first use). */
export async function sharedBenchCopy() {
  const copy = join(OUT, 'shared-bench');
  if (!existsSync(join(copy, 'broker-kafka.sh'))) {
    mkdirSync(copy, { recursive: true });
    for (const entry of ['broker-kafka.sh', 'build-rdkafka-perf.sh', 'node', 'rdkafka-shim']) {
      cpSync(join(SHARED, entry), join(copy, entry), { recursive: true });
    }
    await run('chmod', ['-R', 'u+w', copy]);
  }
  if (!existsSync(join(copy, 'bin/rdkafka_performance'))) {
    await run('bash', [join(copy, 'build-rdkafka-perf.sh')]);
  }
  return copy;
}
