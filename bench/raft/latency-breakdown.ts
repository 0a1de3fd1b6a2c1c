// Where the time of bench/raft's slowest puts went, from the nodes' latency traces
// (tools/raft-node/latency-trace.ts, `--trace`) joined with the client's own times by log index. For
// each put: client → leader's first append out, then on the path that committed it (the second of the
// three nodes to hold it durably: the leader's own write, or a follower's ack arriving), and then
// commit → applied on the leader → answer at the client. Printed as the mean of each stage over the
// slowest 1% of puts beside the same over the middle (p40-p60) band.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One put as the client saw it: epoch ms (performance.timeOrigin-based) and the index it got. */
export interface TracedPut {
  readonly startMs: number;
  readonly endMs: number;
  readonly index: number;
  readonly leader: number;
}

/** Monotone (index, time) events: the first time an event covered an index. */
class Series {
  readonly #last: number[] = [];
  readonly #at: number[] = [];

  add(index: number, atMs: number): void {
    if (index <= (this.#last.at(-1) ?? Number.NEGATIVE_INFINITY)) return;
    this.#last.push(index);
    this.#at.push(atMs);
  }

  /** When an event first covered `index` (its index >= index), or NaN. */
  firstCovering(index: number): number {
    let low = 0;
    let high = this.#last.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.#last[mid]! >= index) high = mid;
      else low = mid + 1;
    }
    return this.#at[low] ?? Number.NaN;
  }
}

interface NodeTrace {
  readonly series: Map<string, Series>;
}

function loadTrace(path: string): NodeTrace {
  const series = new Map<string, Series>();
  const get = (key: string): Series => {
    let found = series.get(key);
    if (found === undefined) {
      found = new Series();
      series.set(key, found);
    }
    return found;
  };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const [kind, at, index, peer] = line.split(' ');
    const atMs = Number(at);
    const idx = Number(index);
    // Per peer for messages, per node for writes and applies.
    if (kind === 'send-append' || kind === 'recv-ack' || kind === 'send-ack' || kind === 'recv-append')
      get(`${kind}:${peer}`).add(idx, atMs);
    else get(kind!).add(idx, atMs);
  }
  return { series };
}

const STAGES = [
  'client → leader sends append',
  'leader send → follower receives',
  'follower waits for its write in flight',
  'follower write + fsync',
  'follower durable → ack sent',
  'ack → leader receives',
  'leader waits for its write in flight',
  'leader write + fsync',
  'commit → applied on leader',
  'applied → client has answer',
  'total',
] as const;

/** Stage durations of one put, or undefined when a trace misses one of its events. */
function stagesOf(
  put: TracedPut,
  traces: Map<number, NodeTrace>,
): { stages: number[]; via: string } | undefined {
  const leader = traces.get(put.leader);
  if (leader === undefined) return undefined;
  const at = (trace: NodeTrace, key: string): number =>
    trace.series.get(key)?.firstCovering(put.index) ?? Number.NaN;
  const followers = [...traces.keys()].filter((id) => id !== put.leader);
  const sends = followers.map((f) => at(leader, `send-append:${f}`));
  const firstSend = Math.min(...sends);
  const leaderDurable = at(leader, 'persist-end');
  const leaderWriteStart = at(leader, 'persist-start');
  const paths = followers.map((f, i) => {
    const trace = traces.get(f)!;
    return {
      id: f,
      send: sends[i]!,
      receive: at(trace, `recv-append:${put.leader}`),
      writeStart: at(trace, 'persist-start'),
      durable: at(trace, 'persist-end'),
      ackSent: at(trace, `send-ack:${put.leader}`),
      ackReceived: at(leader, `recv-ack:${f}`),
    };
  });
  // 3 nodes: committed when the second of {leader durable, ack from each follower} happened.
  const holders = [
    { via: 'leader', atMs: leaderDurable },
    ...paths.map((p) => ({ via: `follower ${p.id}`, atMs: p.ackReceived })),
  ].sort((a, b) => a.atMs - b.atMs);
  const committed = holders[1]!;
  const applied = at(leader, 'apply');
  // The follower on the committing path (or, when the leader's write came second, the first follower).
  const follower =
    paths.find((p) => `follower ${p.id}` === committed.via) ??
    paths.find((p) => `follower ${p.id}` === holders[0]!.via)!;
  const stages = [
    firstSend - put.startMs,
    follower.receive - follower.send,
    Math.max(0, follower.writeStart - follower.receive),
    follower.durable - Math.max(follower.writeStart, follower.receive),
    follower.ackSent - follower.durable,
    follower.ackReceived - follower.ackSent,
    Math.max(0, leaderWriteStart - firstSend),
    leaderDurable - Math.max(leaderWriteStart, firstSend),
    applied - committed.atMs,
    put.endMs - applied,
    put.endMs - put.startMs,
  ];
  if (stages.some((v) => !Number.isFinite(v))) return undefined;
  return { stages, via: committed.via };
}

/** The breakdown lines: mean per stage for the slowest 1% and for the middle band. */
export function latencyBreakdown(
  traceDir: string,
  nodeIds: readonly number[],
  puts: readonly TracedPut[],
): string[] {
  const traces = new Map<number, NodeTrace>();
  for (const id of nodeIds) traces.set(id, loadTrace(join(traceDir, `trace-${id}.txt`)));
  const sorted = [...puts].sort((a, b) => a.endMs - a.startMs - (b.endMs - b.startMs));
  const slowest = sorted.slice(Math.floor(sorted.length * 0.99));
  const middle = sorted.slice(Math.floor(sorted.length * 0.4), Math.ceil(sorted.length * 0.6));
  const summarize = (
    group: readonly TracedPut[],
  ): { means: number[]; vias: Map<string, number>; missing: number } => {
    const sums = STAGES.map(() => 0);
    const vias = new Map<string, number>();
    let n = 0;
    for (const put of group) {
      const result = stagesOf(put, traces);
      if (result === undefined) continue;
      n++;
      result.stages.forEach((v, i) => {
        sums[i]! += v;
      });
      vias.set(result.via, (vias.get(result.via) ?? 0) + 1);
    }
    return { means: sums.map((s) => s / Math.max(1, n)), vias, missing: group.length - n };
  };
  const slow = summarize(slowest);
  const mid = summarize(middle);
  const lines = [
    `  breakdown (mean ms; slowest 1% = ${slowest.length} puts | p40-p60 = ${middle.length} puts):`,
  ];
  STAGES.forEach((stage, i) => {
    lines.push(
      `    ${stage.padEnd(42)} ${slow.means[i]!.toFixed(2).padStart(7)} | ${mid.means[i]!.toFixed(2).padStart(6)}`,
    );
  });
  const vias = (m: Map<string, number>): string => [...m].map(([via, n]) => `${via} ${n}`).join(', ');
  lines.push(
    `    committed by the second durable copy on: slowest ${vias(slow.vias)}; middle ${vias(mid.vias)}`,
  );
  if (slow.missing + mid.missing > 0)
    lines.push(`    (${slow.missing + mid.missing} puts without a complete trace left out)`);
  return lines;
}
