// Runs a range of fuzz inputs and reports progress to the parent (main.ts), which watches for hangs.
import { parentPort, workerData } from 'node:worker_threads';
import { newStats, runInput } from './fuzz-engine.js';
import { buildTargets } from './targets.js';

const { seed, from, to } = workerData as { seed: number; from: number; to: number };
const port = parentPort!;
const targets = buildTargets(seed);
const stats = newStats();
let peakHeapBytes = 0;
let peakArrayBufferBytes = 0;
port.postMessage({
  kind: 'ready',
  targets: targets.length,
  seeds: targets.reduce((n, t) => n + t.seeds.length, 0),
});
for (let index = from; index < to; index++) {
  runInput(targets, seed, index, stats);
  if (index % 2000 === 0) {
    const memory = process.memoryUsage();
    peakHeapBytes = Math.max(peakHeapBytes, memory.heapUsed);
    peakArrayBufferBytes = Math.max(peakArrayBufferBytes, memory.arrayBuffers);
    port.postMessage({ kind: 'progress', index });
  }
}
port.postMessage({
  kind: 'done',
  stats: { ...stats, byTarget: [...stats.byTarget] },
  peakHeapBytes,
  peakArrayBufferBytes,
});
