// Loaded into a measured broker with `node --import bench/broker/alloc-hook.mjs` (main.mjs
// --alloc-prof DIR): samples every allocation of the process with V8's sampling heap profiler,
// including objects the garbage collector has already freed (Node's --heap-prof keeps only the
// survivors, which says nothing of GC pressure), and on exit writes the profile as
// $BENCH_ALLOC_OUT (a .heapprofile, readable by Chrome DevTools and bench/broker/alloc-summary.mjs).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const OUT = process.env.BENCH_ALLOC_OUT;
const session = new Session();
session.connect();
// A session on this thread answers synchronously, so the profile can be taken in the exit handler.
session.post('HeapProfiler.enable');
session.post('HeapProfiler.startSampling', {
  samplingInterval: 32 * 1024,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
process.once('exit', () => {
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (error === null && OUT !== undefined) writeFileSync(OUT, JSON.stringify(result.profile));
  });
});
