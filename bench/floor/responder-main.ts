// Runs the floor responder (floor-responder.ts) as its own process for floor-ab.mjs: prints one JSON
// line {"bootstrap": ...} once listening, one line of request counts on each SIGUSR2, and stops on
// SIGTERM or SIGINT.
//   node --import tsx bench/floor/responder-main.ts --mode none|pool|dsync|sync --dir DIR [--port 0]
import { argument } from '../bench-support.js';
import { isDurabilityMode } from './durable-writer.js';
import { startFloorResponder } from './floor-responder.js';

const mode = argument('mode', 'pool');
if (!isDurabilityMode(mode)) throw new Error(`unknown --mode ${mode}`);
const responder = await startFloorResponder({
  mode,
  dir: argument('dir', '.'),
  port: Number(argument('port', '0')),
  ringBytes: Number(argument('ring-bytes', String(64 * 1024 * 1024))),
});
process.stdout.write(`${JSON.stringify({ bootstrap: responder.bootstrap, mode, pid: process.pid })}\n`);
process.on('SIGUSR2', () => process.stdout.write(`${JSON.stringify({ counts: responder.counts() })}\n`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void responder.stop().then(() => process.exit(0)));
}
