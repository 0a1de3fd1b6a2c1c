// Where the time of the slowest 1% of end-to-end latencies went (latency-ab.mjs --trace), beside the
// same for the p40-p60 band, as bench/raft's latency-breakdown.ts does for Raft puts. Each message
// is joined by its offset: rdkafka_performance's payload carries the producer's send time ("LATENCY:"
// + wall-clock µs; read back from the partition's .log), its -A file the latency of each message in
// consumption order (offset order on one partition), and tail-hook.mjs the broker's stages of the
// Produce request that carried it (k-th batch of the partition = k-th Produce of the producer's
// connection), of its group commit, of the fsync that made it durable (the first one started after
// its group was written; the high watermark moves when it returns) and of the first consumer Fetch
// whose last read started after that. Times are on the wall clock (broker: timeOrigin + now).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const STAGES = [
  'producer send → Produce frame received',
  'received → its group commit starts',
  'group write (writev)',
  'written → fsync starts',
  'fsync',
  'HW moved → consumer Fetch arrives',
  'HW moved → parked Fetch woken',
  'Fetch read → response written',
  'Fetch written → consumer delivers',
  'total',
];

/**
 * From the partition dir's .log files: `sends`, the producer's send time (wall µs) per offset, and
 * `bases`, every batch's first offset in log order.
 */
export function readLog(partitionDir) {
  const sends = new Map();
  const bases = [];
  const files = readdirSync(partitionDir)
    .filter((name) => name.endsWith('.log'))
    .sort();
  for (const name of files) {
    const bytes = readFileSync(join(partitionDir, name));
    let at = 0;
    while (at + 61 <= bytes.length) {
      const baseOffset = Number(bytes.readBigInt64BE(at));
      const length = bytes.readInt32BE(at + 8);
      if (length <= 0 || at + 12 + length > bytes.length) break; // zero-ahead tail
      bases.push(baseOffset);
      const count = bytes.readInt32BE(at + 57);
      let p = at + 61;
      for (let i = 0; i < count; i += 1) {
        let value;
        [value, p] = varint(bytes, p); // record length
        const end = p + value;
        p += 1; // attributes
        [, p] = varint(bytes, p); // timestamp delta
        const [offsetDelta, afterDelta] = varint(bytes, p);
        p = afterDelta;
        const [keyLength, afterKeyLength] = varint(bytes, p);
        p = afterKeyLength + Math.max(0, keyLength);
        const [valueLength, afterValueLength] = varint(bytes, p);
        const text = bytes.toString('latin1', afterValueLength, afterValueLength + Math.min(32, valueLength));
        const match = /^LATENCY:(\d+)/.exec(text);
        if (match !== null) sends.set(baseOffset + offsetDelta, Number(match[1]));
        p = end;
      }
      at += 12 + length;
    }
  }
  return { sends, bases };
}

function varint(bytes, at) {
  let result = 0;
  let shift = 0;
  let p = at;
  for (;;) {
    const byte = bytes[p++];
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  return [result % 2 === 0 ? result / 2 : -(result + 1) / 2, p];
}

/** The connection that sent the most requests of `api` (the measured producer's or consumer's). */
function busiest(requests, api) {
  const byConnection = new Map();
  for (const request of requests) {
    if (request.api !== api) continue;
    const list = byConnection.get(request.connection) ?? [];
    list.push(request);
    byConnection.set(request.connection, list);
  }
  return [...byConnection.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

/** Time spent in [from, to) by a cumulative series of [t, ..., value at index] samples, interpolated. */
function within(samples, index, from, to) {
  const at = (t) => {
    let low = 0;
    let high = samples.length - 1;
    if (high < 0 || t <= samples[0][0]) return samples[0]?.[index] ?? 0;
    if (t >= samples[high][0]) return samples[high][index];
    while (high - low > 1) {
      const mid = (low + high) >> 1;
      if (samples[mid][0] <= t) low = mid;
      else high = mid;
    }
    const [t0, v0] = [samples[low][0], samples[low][index]];
    const [t1, v1] = [samples[high][0], samples[high][index]];
    return v0 + ((v1 - v0) * (t - t0)) / Math.max(1e-9, t1 - t0);
  };
  return Math.max(0, at(to) - at(from));
}

function overlap(intervals, from, to) {
  let sum = 0;
  for (const [start, end] of intervals) sum += Math.max(0, Math.min(end, to) - Math.max(start, from));
  return sum;
}

/**
 * The breakdown lines. `trace` is tail-hook.mjs's JSON, `partitionDir` the measured partition's dir,
 * `latenciesUs` the -A file in its order, `firstOffset` the offset of its first line, `clients`
 * {producer, consumer} as thread-sampler.mjs's samples.
 */
export function tailBreakdown({ trace, partitionDir, latenciesUs, firstOffset, clients }) {
  const wall = (ms) => trace.timeOrigin + ms;
  const dirName = partitionDir.split('/').at(-1);
  const lines = [];
  const { sends, bases } = readLog(partitionDir);
  const produces = busiest(trace.requests, 0);
  const fetches = busiest(trace.requests, 1);
  const groups = trace.groups.filter((g) => g.dir.endsWith(`/${dirName}`));
  const syncs = trace.syncs.filter((s) => s.dir.endsWith(`/${dirName}`));
  // Batches of the window in log order (the one produced before it has offset 0).
  const batchStarts = bases.filter((base) => base >= firstOffset);
  const batchGroups = groups.flatMap((g) => Array.from({ length: g.batches }, () => g));
  const aligned =
    batchStarts.length === produces.length && batchStarts.length === batchGroups.length
      ? 'exact'
      : 'MISALIGNED';
  lines.push(
    `  joined: ${batchStarts.length} batches, ${produces.length} Produce requests, ${batchGroups.length} batches in ${groups.length} group commits (${aligned}), ${syncs.length} fsyncs, ${fetches.length} consumer Fetches, ${latenciesUs.length} latencies`,
  );
  // Fetch: when its last read started (after 'woken', else the mark before the last 'read').
  const fetchInfo = fetches.map(({ marks }) => {
    const handled = marks.findIndex(([name]) => name === 'handled');
    const last = handled > 0 ? handled - 1 : marks.length - 2;
    const readStart = marks[last][0] === 'read' ? marks[last - 1][1] : marks[last][1];
    return { received: wall(marks[0][1]), readStart: wall(readStart), written: wall(marks.at(-1)[1]) };
  });
  const firstFetchAfter = (t) => {
    let low = 0;
    let high = fetchInfo.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (fetchInfo[mid].readStart >= t) high = mid;
      else low = mid + 1;
    }
    return fetchInfo[low];
  };
  const firstSyncAfter = (t) => syncs.find((s) => s.startedMs >= t);
  const messages = [];
  let negative = 0;
  const count = Math.min(batchStarts.length, produces.length, batchGroups.length);
  for (let k = 0; k < count; k += 1) {
    const end = k + 1 < batchStarts.length ? batchStarts[k + 1] : firstOffset + latenciesUs.length;
    const marks = produces[k].marks;
    const group = batchGroups[k];
    const sync = firstSyncAfter(group.writtenMs);
    if (sync === undefined) continue;
    const hw = wall(sync.endedMs);
    const fetch = firstFetchAfter(hw);
    if (fetch === undefined) continue;
    for (let offset = batchStarts[k]; offset < end; offset += 1) {
      const latency = latenciesUs[offset - firstOffset];
      const send = sends.get(offset);
      if (latency === undefined || send === undefined) continue;
      const sendMs = send / 1000;
      const deliverMs = (send + latency) / 1000;
      const received = wall(marks[0][1]);
      const stages = [
        received - sendMs,
        wall(group.startedMs) - received,
        group.writtenMs - group.startedMs,
        sync.startedMs - group.writtenMs,
        sync.endedMs - sync.startedMs,
        Math.max(0, fetch.received - hw),
        fetch.readStart - Math.max(hw, fetch.received),
        fetch.written - fetch.readStart,
        deliverMs - fetch.written,
        latency / 1000,
      ];
      if (stages[0] < 0 || stages[8] < 0) negative += 1;
      messages.push({ stages, sendMs, received, fetchWritten: fetch.written, deliverMs });
    }
  }
  if (negative > 0)
    lines.push(`  (${negative} messages with a negative client stage: clock or join error; kept)`);
  messages.sort((a, b) => a.stages.at(-1) - b.stages.at(-1));
  const slowest = messages.slice(Math.floor(messages.length * 0.99));
  const middle = messages.slice(Math.floor(messages.length * 0.4), Math.ceil(messages.length * 0.6));
  const mean = (group, f) => group.reduce((sum, m) => sum + f(m), 0) / Math.max(1, group.length);
  lines.push(
    `  breakdown (mean ms, share of total; slowest 1% = ${slowest.length} messages | p40-p60 = ${middle.length}):`,
  );
  const slowTotal = mean(slowest, (m) => m.stages.at(-1));
  const midTotal = mean(middle, (m) => m.stages.at(-1));
  STAGES.forEach((stage, i) => {
    const s = mean(slowest, (m) => m.stages[i]);
    const d = mean(middle, (m) => m.stages[i]);
    lines.push(
      `    ${stage.padEnd(40)} ${s.toFixed(2).padStart(7)} ${`${((100 * s) / slowTotal).toFixed(0)}%`.padStart(4)} | ${d.toFixed(2).padStart(6)} ${`${((100 * d) / midTotal).toFixed(0)}%`.padStart(4)}`,
    );
  });
  // What the broker's event loop and the clients' threads did inside each message's windows.
  const gcs = trace.gcs.map((g) => [wall(g.startMs), wall(g.startMs + g.durationMs)]);
  const sched = trace.sched.map(([t, run, wait]) => [wall(t), run, wait]);
  const gaps = [];
  for (let i = 1; i < sched.length; i += 1) {
    // A tick late by over 2 ms: the part after it was due.
    if (sched[i][0] - sched[i - 1][0] > 4) gaps.push([sched[i - 1][0] + 2, sched[i][0]]);
  }
  // Produce requests between received and written on the producer's connection (the broker stops
  // reading a connection at its in-flight bound, 100 by default): a sorted sweep of +1/-1 events.
  const events = produces
    .flatMap(({ marks }) => [
      [wall(marks[0][1]), 1],
      [wall(marks.at(-1)[1]), -1],
    ])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const inFlightAt = [];
  let inFlight = 0;
  for (const [t, step] of events) {
    inFlight += step;
    inFlightAt.push([t, inFlight]);
  }
  const inFlightBefore = (t) => {
    let low = 0;
    let high = inFlightAt.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (inFlightAt[mid][0] < t) low = mid + 1;
      else high = mid;
    }
    return inFlightAt[low - 1]?.[1] ?? 0;
  };
  const maxInFlight = inFlightAt.reduce((max, [, n]) => Math.max(max, n), 0);
  const fsyncs = syncs.map((sync) => [wall(sync.startedMs), wall(sync.endedMs)]);
  const context = (m) => ({
    inFlight: inFlightBefore(m.received),
    brokerWaitBefore: within(sched, 2, m.sendMs, m.received),
    brokerRunBefore: within(sched, 1, m.sendMs, m.received),
    loopDelayBefore: overlap(gaps, m.sendMs, m.received),
    fsyncBefore: overlap(fsyncs, m.sendMs, m.received),
    gc: overlap(gcs, m.received, m.fetchWritten),
    loopDelay: overlap(gaps, m.received, m.fetchWritten),
    brokerWait: within(sched, 2, m.received, m.fetchWritten),
    brokerRun: within(sched, 1, m.received, m.fetchWritten),
    producerWait: within(clients.producer, 2, m.sendMs, m.received),
    producerMainWait: within(clients.producer, 4, m.sendMs, m.received),
    consumerWait: within(clients.consumer, 2, m.fetchWritten, m.deliverMs),
    consumerMainWait: within(clients.consumer, 4, m.fetchWritten, m.deliverMs),
  });
  const slowContext = slowest.map(context);
  const midContext = middle.map(context);
  const rows = [
    ['Produce requests in flight when its frame was received', 'inFlight'],
    ['broker main thread: waiting for a CPU, send→received', 'brokerWaitBefore'],
    ['broker main thread: running, send→received', 'brokerRunBefore'],
    ['broker: main thread ticks late (by >2 ms), send→received', 'loopDelayBefore'],
    ['broker: an fsync in progress, send→received', 'fsyncBefore'],
    ['broker: GC pause inside received→Fetch written', 'gc'],
    ['broker: main thread ticks late (by >2 ms) inside', 'loopDelay'],
    ['broker main thread: waiting for a CPU inside', 'brokerWait'],
    ['broker main thread: running inside', 'brokerRun'],
    ['producer rdk: threads: waiting for a CPU, send→received', 'producerWait'],
    ['producer main thread: waiting for a CPU, same', 'producerMainWait'],
    ['consumer rdk: threads: waiting for a CPU, written→delivered', 'consumerWait'],
    ['consumer main thread: waiting for a CPU, same', 'consumerMainWait'],
  ];
  lines.push(`  during those windows (mean ms, summed over threads; messages with any: slowest | middle):`);
  for (const [label, key] of rows) {
    const s = mean(slowContext, (c) => c[key]);
    const d = mean(midContext, (c) => c[key]);
    const any = (list) => list.filter((c) => c[key] > 0.05).length;
    lines.push(
      `    ${label.padEnd(55)} ${s.toFixed(2).padStart(6)} (${any(slowContext)}/${slowest.length}) | ${d.toFixed(2).padStart(5)} (${any(midContext)}/${middle.length})`,
    );
  }
  const gcPauses = trace.gcs.map((g) => g.durationMs).sort((a, b) => a - b);
  lines.push(`  Produce requests in flight on the producer's connection: at most ${maxInFlight}`);
  lines.push(
    `  broker in the window: ${gcPauses.length} GC pauses (${gcPauses.reduce((a, b) => a + b, 0).toFixed(0)} ms, max ${(gcPauses.at(-1) ?? 0).toFixed(1)}), ${gaps.length} ticks late by >2 ms (${gaps.reduce((n, [a, b]) => n + b - a, 0).toFixed(0)} ms), main thread waited ${(sched.at(-1)[2] - sched[0][2]).toFixed(0)} ms for a CPU and ran ${(sched.at(-1)[1] - sched[0][1]).toFixed(0)} ms of ${(sched.at(-1)[0] - sched[0][0]).toFixed(0)} ms`,
  );
  return lines;
}
