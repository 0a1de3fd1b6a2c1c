// Runs the floor responder (floor-responder.ts) as its own process for floor-ab.mjs: prints one JSON
// line {"bootstrap": ...} once listening, one line of counts on each SIGUSR2 (requests by API, the
// writer's groups and the GC pauses so far; no event-loop delay monitor, whose timer would wake the
// main thread every millisecond), and stops on SIGTERM or SIGINT.
//   node --import tsx bench/floor/responder-main.ts --mode none|pool|dsync|sync --dir DIR [--port 0]
//        [--fetch-first] (woken fetches answered before the produces that woke them)
//        [--retained-bytes N] (per partition, default DEFAULT_RETAINED_BYTES) [--copy] (keep copies of batches)
import { PerformanceObserver } from 'node:perf_hooks';
import { argument } from '../bench-support.js';
import { isDurabilityMode } from './durable-writer.js';
import { DEFAULT_RETAINED_BYTES } from './floor-log.js';
import { startFloorResponder } from './floor-responder.js';

const mode = argument('mode', 'pool');
if (!isDurabilityMode(mode)) throw new Error(`unknown --mode ${mode}`);
const responder = await startFloorResponder({
  mode,
  dir: argument('dir', '.'),
  port: Number(argument('port', '0')),
  ringBytes: Number(argument('ring-bytes', String(64 * 1024 * 1024))),
  isFetchFirst: process.argv.includes('--fetch-first'),
  retainedBytes: Number(argument('retained-bytes', String(DEFAULT_RETAINED_BYTES))),
  isCopying: process.argv.includes('--copy'),
});
process.stdout.write(`${JSON.stringify({ bootstrap: responder.bootstrap, mode, pid: process.pid })}\n`);
let gcs = 0;
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcs += 1;
    gcMs += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });
process.on('SIGUSR2', () => {
  process.stdout.write(`${JSON.stringify({ counts: { ...responder.counts(), gcs, gcMs } })}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void responder.stop().then(() => process.exit(0)));
}
