// bench/transactions --trace: where one transaction's time goes. The broker runs in the bench's process,
// so the client's marks (workload.ts), the broker's request traces (received/dispatched/settled/written)
// and the logs' group commits and fsyncs share one clock (performance.now()). Collects them for a
// traced stretch of work, then prints one transaction's timeline and the mean of each step.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { type PerformanceEntry, PerformanceObserver, performance } from 'node:perf_hooks';
import { REQUEST_TRACE_CHANNEL, type RequestTrace } from '../../src/network/index.js';
import {
  GROUP_COMMIT_CHANNEL,
  type GroupCommitTrace,
  LOG_SYNC_CHANNEL,
  type LogSyncTrace,
} from '../../src/storage/index.js';
import { percentile } from '../bench-support.js';
import type { Mark } from './workload.js';

const API_NAMES: Record<number, string> = { 0: 'Produce', 24: 'AddPartitionsToTxn', 26: 'EndTxn' };

interface Event {
  readonly atMs: number;
  readonly what: string;
}

/** One unit of traced work: a transaction, or as many idempotent records as one transaction holds. */
interface Unit {
  readonly marks: [stage: string, atMs: number][];
}

export class TxnTrace {
  readonly #units: Unit[] = [];
  readonly #requests: { apiKey: number; marks: [string, number][] }[] = [];
  readonly #groups: GroupCommitTrace[] = [];
  readonly #syncs: LogSyncTrace[] = [];
  readonly #gcs: PerformanceEntry[] = [];
  readonly #gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.#gcs.push(entry);
  });
  readonly #onRequest = (message: unknown) => {
    const trace = message as RequestTrace;
    this.#requests.push({ apiKey: trace.apiKey, marks: trace.marks });
  };
  readonly #onGroup = (message: unknown) => this.#groups.push(message as GroupCommitTrace);
  readonly #onSync = (message: unknown) => this.#syncs.push(message as LogSyncTrace);

  start(): void {
    subscribe(REQUEST_TRACE_CHANNEL, this.#onRequest);
    subscribe(GROUP_COMMIT_CHANNEL, this.#onGroup);
    subscribe(LOG_SYNC_CHANNEL, this.#onSync);
    this.#gcObserver.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    unsubscribe(REQUEST_TRACE_CHANNEL, this.#onRequest);
    unsubscribe(GROUP_COMMIT_CHANNEL, this.#onGroup);
    unsubscribe(LOG_SYNC_CHANNEL, this.#onSync);
    for (const entry of this.#gcObserver.takeRecords()) this.#gcs.push(entry);
    this.#gcObserver.disconnect();
  }

  /** Starts a unit; the returned Mark records its client-side stages. */
  unit(): Mark {
    const unit: Unit = { marks: [] };
    this.#units.push(unit);
    return (stage) => unit.marks.push([stage, performance.now()]);
  }

  /**
   * The mean (and p50) time between consecutive client marks of the units, by step name ("add.sent →
   * add.answered"), and the unit's total (first mark to the next unit's first mark).
   */
  steps(): string[] {
    const byStep = new Map<string, number[]>();
    const totals: number[] = [];
    this.#units.forEach((unit, i) => {
      const seen = new Map<string, number>();
      for (let j = 1; j < unit.marks.length; j++) {
        const [from, fromMs] = unit.marks[j - 1]!;
        const [to, toMs] = unit.marks[j]!;
        const n = (seen.get(`${from}→${to}`) ?? 0) + 1;
        seen.set(`${from}→${to}`, n);
        push(byStep, `${from} → ${to}${n > 1 ? ` (#${n})` : ''}`, toMs - fromMs);
      }
      const next = this.#units[i + 1]?.marks[0]?.[1];
      const last = unit.marks.at(-1);
      if (next !== undefined && last !== undefined) {
        push(byStep, `${last[0]} → next unit`, next - last[1]);
        totals.push(next - unit.marks[0]![1]);
      }
    });
    const lines = [...byStep].map(([step, values]) => `  ${step}: ${stats(values)}`);
    lines.push(`  total per unit: ${stats(totals)}`);
    return lines;
  }

  /**
   * Broker-side steps of transactional units: how long AddPartitionsToTxn waited in the broker for the
   * previous transaction's markers (the last fsync of a data partition before its answer) and then for
   * the __transaction_state fsync; EndTxn's __transaction_state fsync; the markers' time from EndTxn's
   * answer to their last fsync.
   */
  brokerSteps(dataTopic: string): string[] {
    const adds = this.#requests.filter((r) => r.apiKey === 24).map(stagesOf);
    const ends = this.#requests.filter((r) => r.apiKey === 26).map(stagesOf);
    const isData = (s: LogSyncTrace) => shortDir(s.dir).startsWith(`${dataTopic}-`);
    const isState = (s: LogSyncTrace) => shortDir(s.dir).startsWith('__transaction_state-');
    const isDataWrite = (g: GroupCommitTrace) => shortDir(g.dir).startsWith(`${dataTopic}-`);
    const isStateWrite = (g: GroupCommitTrace) => shortDir(g.dir).startsWith('__transaction_state-');
    const firstWriteAfter = (filter: (g: GroupCommitTrace) => boolean, afterMs: number) =>
      this.#groups.find((g) => filter(g) && g.startedMs >= afterMs)?.startedMs;
    const waitMarkers: number[] = [];
    const stateWriteStarts: number[] = [];
    const markerWriteStarts: number[] = [];
    const stateSync: number[] = [];
    const addAfterSync: number[] = [];
    for (const add of adds) {
      const previousEnd = ends.filter((e) => e.settled < add.received).at(-1);
      if (previousEnd === undefined) continue;
      const markerSyncs = this.#syncs.filter(
        (s) => isData(s) && s.endedMs > previousEnd.settled && s.endedMs <= add.settled,
      );
      const markersDurableMs = Math.max(add.received, ...markerSyncs.map((s) => s.endedMs));
      waitMarkers.push(markersDurableMs - add.received);
      const stateWrite = firstWriteAfter(isStateWrite, markersDurableMs);
      if (stateWrite !== undefined && stateWrite < add.settled)
        stateWriteStarts.push(stateWrite - markersDurableMs);
      const state = this.#syncs.filter(
        (s) => isState(s) && s.endedMs > markersDurableMs && s.endedMs <= add.settled,
      );
      const last = state.at(-1);
      if (last === undefined) continue;
      stateSync.push(last.endedMs - markersDurableMs);
      addAfterSync.push(add.settled - last.endedMs);
    }
    const endSync: number[] = [];
    const markers: number[] = [];
    for (const end of ends) {
      const state = this.#syncs.filter(
        (s) => isState(s) && s.endedMs > end.received && s.endedMs <= end.settled,
      );
      const prepared = state.at(-1)?.endedMs;
      if (prepared !== undefined) {
        endSync.push(prepared - end.received);
        const markerWrite = firstWriteAfter(isDataWrite, prepared);
        if (markerWrite !== undefined) markerWriteStarts.push(markerWrite - prepared);
      }
      const nextAdd = adds.find((a) => a.received > end.settled);
      if (nextAdd === undefined) continue;
      const markerSyncs = this.#syncs.filter(
        (s) => isData(s) && s.endedMs > end.settled && s.endedMs <= nextAdd.settled,
      );
      if (markerSyncs.length > 0) markers.push(Math.max(...markerSyncs.map((s) => s.endedMs)) - end.settled);
    }
    const durations = (filter: (s: LogSyncTrace) => boolean) =>
      this.#syncs.filter(filter).map((s) => s.endedMs - s.startedMs);
    return [
      `  AddPartitionsToTxn received → previous markers durable: ${stats(waitMarkers)}`,
      `  … → its __transaction_state write started (CompleteCommit + Ongoing): ${stats(stateWriteStarts)}`,
      `  previous markers durable → __transaction_state fsync ended: ${stats(stateSync)}`,
      `  … → answer settled: ${stats(addAfterSync)}`,
      `  EndTxn received → __transaction_state fsync ended (PrepareCommit): ${stats(endSync)}`,
      `  PrepareCommit durable → first marker write started: ${stats(markerWriteStarts)}`,
      `  EndTxn settled → last marker fsync ended: ${stats(markers)}`,
      `  fsync of a ${dataTopic} partition: ${stats(durations(isData))}`,
      `  fsync of a __transaction_state partition: ${stats(durations(isState))}`,
    ];
  }

  /** Every event between the first mark of unit `index` and the first mark of the next, relative to the first. */
  timeline(index: number): string[] {
    const unit = this.#units[index];
    const from = unit?.marks[0]?.[1];
    if (unit === undefined || from === undefined) return [];
    const to = this.#units[index + 1]?.marks[0]?.[1] ?? Number.POSITIVE_INFINITY;
    const events: Event[] = unit.marks.map(([stage, atMs]) => ({ atMs, what: `client ${stage}` }));
    for (const request of this.#requests) {
      const name = API_NAMES[request.apiKey] ?? `api ${request.apiKey}`;
      for (const [stage, atMs] of request.marks) events.push({ atMs, what: `broker ${name} ${stage}` });
    }
    for (const g of this.#groups) {
      events.push({ atMs: g.startedMs, what: `write ${shortDir(g.dir)} started (${g.bytes} B)` });
      events.push({ atMs: g.writtenMs, what: `write ${shortDir(g.dir)} done` });
    }
    for (const s of this.#syncs) {
      events.push({ atMs: s.startedMs, what: `fsync ${shortDir(s.dir)} started` });
      events.push({
        atMs: s.endedMs,
        what: `fsync ${shortDir(s.dir)} done (${(s.endedMs - s.startedMs).toFixed(2)} ms)`,
      });
    }
    for (const gc of this.#gcs) {
      events.push({ atMs: gc.startTime, what: `GC for ${gc.duration.toFixed(2)} ms` });
    }
    return events
      .filter((e) => e.atMs >= from && e.atMs < to)
      .sort((a, b) => a.atMs - b.atMs)
      .map((e) => `  +${(e.atMs - from).toFixed(2).padStart(6)} ms  ${e.what}`);
  }
}

function stagesOf(request: { marks: [string, number][] }): { received: number; settled: number } {
  const at = (stage: string) => request.marks.find(([s]) => s === stage)?.[1] ?? Number.NaN;
  return { received: at('received'), settled: at('settled') };
}

function shortDir(dir: string): string {
  return dir.slice(dir.lastIndexOf('/') + 1);
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function stats(values: readonly number[]): string {
  if (values.length === 0) return '-';
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
  return `mean ${mean.toFixed(2)} ms, p50 ${percentile(sorted, 50).toFixed(2)}, p90 ${percentile(sorted, 90).toFixed(2)} (n=${sorted.length})`;
}
