// The figures `pyralog bench` reports: throughput of a run and percentiles of per-record latencies.
// Pure arithmetic; the commands measure.

export interface Throughput {
  readonly records: number;
  /** Payload bytes (keys and values). */
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly recordsPerSec: number;
  /** 10^6 bytes per second, as Kafka's perf tools and ../shared/bench report MB/s. */
  readonly mbPerSec: number;
}

export function throughput(records: number, bytes: number, elapsedMs: number): Throughput {
  const seconds = Math.max(elapsedMs, 1e-3) / 1000;
  return { records, bytes, elapsedMs, recordsPerSec: records / seconds, mbPerSec: bytes / 1e6 / seconds };
}

export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/**
 * Nearest-rank percentiles (the smallest sample with at least p% of samples at or below it) of the
 * first `count` latencies, in ms; with `weights`, latency i stands for weights[i] samples (a bench
 * chunk's records share one latency) and `count` in the summary is their sum. Sorts that part of
 * `latencies` in place when unweighted. Zeros for no samples.
 */
export function summarizeLatencies(
  latencies: Float64Array,
  count = latencies.length,
  weights?: Uint32Array,
): LatencySummary {
  if (weights !== undefined) return summarizeWeighted(latencies.subarray(0, count), weights);
  if (count === 0) return EMPTY_SUMMARY;
  const sorted = latencies.subarray(0, count).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * count) - 1)]!;
  return {
    count,
    meanMs: sum / count,
    p50Ms: rank(50),
    p95Ms: rank(95),
    p99Ms: rank(99),
    maxMs: sorted[count - 1]!,
  };
}

const EMPTY_SUMMARY: LatencySummary = { count: 0, meanMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 };

function summarizeWeighted(latencies: Float64Array, weights: Uint32Array): LatencySummary {
  const order = Array.from({ length: latencies.length }, (_, i) => i).filter((i) => weights[i]! > 0);
  order.sort((a, b) => latencies[a]! - latencies[b]!);
  let total = 0;
  let sum = 0;
  for (const i of order) {
    total += weights[i]!;
    sum += latencies[i]! * weights[i]!;
  }
  if (total === 0) return EMPTY_SUMMARY;
  const rank = (p: number) => {
    const wanted = Math.max(1, Math.ceil((p / 100) * total));
    let seen = 0;
    for (const i of order) {
      seen += weights[i]!;
      if (seen >= wanted) return latencies[i]!;
    }
    return latencies[order[order.length - 1]!]!;
  };
  return {
    count: total,
    meanMs: sum / total,
    p50Ms: rank(50),
    p95Ms: rank(95),
    p99Ms: rank(99),
    maxMs: latencies[order[order.length - 1]!]!,
  };
}
