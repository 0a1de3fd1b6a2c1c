// Nearest-rank percentiles and throughput arithmetic of `pyralog bench`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeLatencies, throughput } from './bench-summary.js';

test('percentiles are nearest-rank over the samples given', () => {
  const samples = Float64Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
  assert.deepEqual(summarizeLatencies(samples), {
    count: 100,
    meanMs: 50.5,
    p50Ms: 50,
    p95Ms: 95,
    p99Ms: 99,
    maxMs: 100,
  });
});

test('only the first count samples count; one sample is every percentile', () => {
  const samples = new Float64Array([7, 1000, 1000]);
  assert.deepEqual(summarizeLatencies(samples, 1), {
    count: 1,
    meanMs: 7,
    p50Ms: 7,
    p95Ms: 7,
    p99Ms: 7,
    maxMs: 7,
  });
  assert.deepEqual(summarizeLatencies(new Float64Array(0)), {
    count: 0,
    meanMs: 0,
    p50Ms: 0,
    p95Ms: 0,
    p99Ms: 0,
    maxMs: 0,
  });
});

test('a small sample rounds the rank up', () => {
  const summary = summarizeLatencies(new Float64Array([4, 1, 3, 2]));
  assert.deepEqual([summary.p50Ms, summary.p95Ms, summary.p99Ms], [2, 4, 4]);
});

test('a weighted latency counts as that many samples', () => {
  const latencies = new Float64Array([30, 10, 20, 99]);
  const weights = new Uint32Array([5, 90, 5, 7]);
  const expanded = Float64Array.from(
    [...latencies.subarray(0, 3)].flatMap((latency, i) => Array<number>(weights[i]!).fill(latency)),
  );
  assert.deepEqual(summarizeLatencies(latencies, 3, weights), summarizeLatencies(expanded));
  assert.deepEqual(summarizeLatencies(latencies, 0, weights).count, 0);
});

test('throughput is records and 10^6 bytes per second', () => {
  assert.deepEqual(throughput(1000, 2_000_000, 500), {
    records: 1000,
    bytes: 2_000_000,
    elapsedMs: 500,
    recordsPerSec: 2000,
    mbPerSec: 4,
  });
});
