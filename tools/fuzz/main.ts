// Decoder fuzzing: feeds mutated inputs (random bytes, truncations, bit flips, hostile length fields,
// splices, legacy wrappers nested 64 deep) to every generated message decoder, whole request frames,
// v2 record batches and magic 0/1 message sets. A decoder must return or throw its typed error, never
// read past its window, never hang. Work runs in worker threads with a heap cap; a worker that reports
// no progress for --stall-seconds is a hang.
// Usage: npm run fuzz -- [--inputs 1000000] [--seed 1] [--workers 2] [--from 0] [--stall-seconds 20]
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { PostedFuzzStats } from './fuzz-engine.js';

const { values } = parseArgs({
  options: {
    inputs: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string', default: String(Math.max(1, availableParallelism())) },
    from: { type: 'string', default: '0' },
    'stall-seconds': { type: 'string', default: '20' },
  },
});
const inputs = Number(values.inputs);
const seed = Number(values.seed);
const from = Number(values.from);
const workerCount = Math.max(1, Math.min(Number(values.workers), inputs));
const stallMs = Number(values['stall-seconds']) * 1000;
/** The heap a worker may use: far above what decoding small inputs needs, far below the machine. */
const HEAP_CAP_MB = 512;

interface WorkerResult {
  stats: PostedFuzzStats;
  peakHeapBytes: number;
  peakArrayBufferBytes: number;
  targets: number;
  seeds: number;
}

function runWorker(rangeFrom: number, rangeTo: number): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./fuzz-worker-entry.mjs', import.meta.url), {
      workerData: { seed, from: rangeFrom, to: rangeTo },
      resourceLimits: { maxOldGenerationSizeMb: HEAP_CAP_MB },
    });
    let lastIndex = rangeFrom;
    let lastProgress = Date.now();
    let setup = { targets: 0, seeds: 0 };
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgress < stallMs) return;
      clearInterval(watchdog);
      void worker.terminate();
      reject(
        new Error(
          `no progress for ${stallMs} ms after input ${lastIndex}: replay with --seed ${seed} --from ${lastIndex} --inputs 2000 --workers 1`,
        ),
      );
    }, 1000);
    worker.on('message', (message: { kind: string; index?: number; targets?: number; seeds?: number }) => {
      lastProgress = Date.now();
      if (message.kind === 'ready') setup = { targets: message.targets ?? 0, seeds: message.seeds ?? 0 };
      if (message.kind === 'progress') lastIndex = message.index ?? lastIndex;
      if (message.kind === 'done') {
        clearInterval(watchdog);
        resolve({ ...(message as unknown as Omit<WorkerResult, 'targets' | 'seeds'>), ...setup });
      }
    });
    worker.on('error', (error) => {
      clearInterval(watchdog);
      reject(
        new Error(`worker for inputs [${rangeFrom}, ${rangeTo}) died after ${lastIndex}: ${error.message}`),
      );
    });
  });
}

const started = performance.now();
const share = Math.ceil(inputs / workerCount);
const results = await Promise.all(
  Array.from({ length: workerCount }, (_, i) =>
    runWorker(from + i * share, from + Math.min(inputs, (i + 1) * share)),
  ),
);
const seconds = (performance.now() - started) / 1000;
const total = results.reduce((n, r) => n + r.stats.inputs, 0);
const ok = results.reduce((n, r) => n + r.stats.decodedOk, 0);
const expected = results.reduce((n, r) => n + r.stats.expectedErrors, 0);
const failures = results.flatMap((r) => r.stats.failures);
const slowest = results.map((r) => r.stats).sort((a, b) => b.slowestMs - a.slowestMs)[0];
const peakHeap = Math.max(...results.map((r) => r.peakHeapBytes));
const peakArrayBuffers = Math.max(...results.map((r) => r.peakArrayBufferBytes));

console.log(`fuzz targets: ${results[0]?.targets} decoders, ${results[0]?.seeds} seed inputs, seed ${seed}`);
console.log(
  `inputs: ${total.toLocaleString('en')} in ${seconds.toFixed(1)} s (${Math.round(total / seconds).toLocaleString('en')} inputs/s, ${workerCount} workers)`,
);
console.log(
  `decoded: ${ok.toLocaleString('en')}, typed errors: ${expected.toLocaleString('en')}, failures: ${failures.length}`,
);
console.log(
  `slowest input: ${slowest?.slowestMs.toFixed(2)} ms (${slowest?.slowest?.target}, ${slowest?.slowest?.mutator}, index ${slowest?.slowest?.index})`,
);
console.log(
  `peak worker heap: ${(peakHeap / 2 ** 20).toFixed(1)} MiB, peak array buffers: ${(peakArrayBuffers / 2 ** 20).toFixed(1)} MiB (cap ${HEAP_CAP_MB} MiB heap)`,
);
const byTarget = new Map<string, number>();
for (const [name, count] of results.flatMap((r) => r.stats.byTarget))
  byTarget.set(name, (byTarget.get(name) ?? 0) + count);
const families = [...byTarget].filter(([name]) => name.includes('('));
const messageInputs = total - families.reduce((n, [, count]) => n + count, 0);
console.log(
  `per target: message schemas ${messageInputs.toLocaleString('en')}, ${families.map(([name, count]) => `${name} ${count.toLocaleString('en')}`).join(', ')}`,
);
for (const failure of failures.slice(0, 20)) {
  console.log(`FAIL index ${failure.index} ${failure.target} (${failure.mutator}): ${failure.error}`);
  console.log(`  replay: npm run fuzz -- --seed ${seed} --from ${failure.index} --inputs 1 --workers 1`);
  console.log(`  input: ${failure.inputHex}`);
}
process.exitCode = failures.length > 0 ? 1 : 0;
