// Micro-benchmarks of src/protocol/records and src/protocol/compression, each figure printed beside
// its baseline measured in the same run: batch validation next to the raw native CRC-32C over the
// same bytes, and every codec wrapper next to the raw library call on the same data.
// Usage: node --import tsx bench/codec/records.ts (or runRecordsBench() from bench/codec/main.ts).

import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gunzip, gunzipSync, gzip, gzipSync } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { compressFrame, compressFrameSync, decompressFrame, decompressFrameSync } from 'lz4-napi';
import * as snappy from 'snappy';
import * as zstd from 'zstd-napi';
import {
  CompressionCodec,
  compress,
  compressSync,
  createRecordBatch,
  decompress,
  decompressSync,
  encodeRecordBatchSync,
  RecordBatchView,
} from '../../src/protocol/index.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface BenchOptions {
  /** Time spent per figure, in milliseconds (both sides together). */
  readonly budgetMs?: number;
  readonly print?: (line: string) => void;
}

/** JSON-like 1 KiB values from a seeded generator: compressible about as much as real events. */
export function sampleBatch(totalBytes = 1024 * 1024, valueBytes = 1024): Buffer {
  let state = 42;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state;
  };
  const names = ['click', 'view', 'purchase', 'signup', 'logout', 'search', 'share'];
  const value = (): Buffer => {
    let text = '';
    while (text.length < valueBytes) {
      text += `{"event":"${names[next() % names.length]}","user":${next() % 100000},"ts":${1_700_000_000_000 + (next() % 1_000_000)},"score":${(next() % 10000) / 100}},`;
    }
    return Buffer.from(text.slice(0, valueBytes));
  };
  const count = Math.floor(totalBytes / (valueBytes + 20));
  return encodeRecordBatchSync(
    createRecordBatch({
      timestamp: 1_700_000_000_000n,
      records: Array.from({ length: count }, (_, index) => ({
        key: Buffer.from(`key-${index}`),
        value: value(),
      })),
    }),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? Number.NaN;
}

async function timed(work: () => unknown): Promise<number> {
  const start = performance.now();
  const result = work();
  if (result instanceof Promise) await result;
  return performance.now() - start;
}

/**
 * Bytes per second of `ours` and `baseline`, each processing `bytes` per call. Calls alternate one by
 * one (order swapped every pair) and the median call time counts, so that other load on the machine
 * hits both sides alike and a stalled call does not skew the figure.
 */
async function compare(
  bytes: number,
  ours: () => unknown,
  baseline: () => unknown,
  options: BenchOptions,
): Promise<{ ours: number; baseline: number }> {
  for (let i = 0; i < 3; i++) {
    await timed(ours);
    await timed(baseline);
  }
  const oursMs: number[] = [];
  const baselineMs: number[] = [];
  const deadline = performance.now() + (options.budgetMs ?? 1500);
  for (let pair = 0; performance.now() < deadline || pair < 10; pair++) {
    if (pair % 2 === 0) {
      oursMs.push(await timed(ours));
      baselineMs.push(await timed(baseline));
    } else {
      baselineMs.push(await timed(baseline));
      oursMs.push(await timed(ours));
    }
  }
  return { ours: bytes / (median(oursMs) / 1000), baseline: bytes / (median(baselineMs) / 1000) };
}

function line(
  name: string,
  unit: 'GB/s' | 'MB/s',
  ours: number,
  baseline: number,
  baselineName: string,
): string {
  const scale = unit === 'GB/s' ? 1e9 : 1e6;
  return `${name}: ${(ours / scale).toFixed(2)} ${unit} (${baselineName} ${(baseline / scale).toFixed(2)} ${unit}, ${(ours / baseline).toFixed(2)}x)`;
}

/** RecordBatchView.at + validate() (header checks and native CRC-32C) vs crc32c alone. */
export async function benchBatchValidation(options: BenchOptions = {}): Promise<string[]> {
  const batch = sampleBatch();
  const covered = batch.subarray(21);
  const view = RecordBatchView.at(batch);
  const records = view.recordsCount;
  const { ours, baseline } = await compare(
    batch.length,
    () => RecordBatchView.at(batch).validate(),
    () => crc32c(covered),
    options,
  );
  return [
    line(
      `record batch validation (${(batch.length / 1048576).toFixed(2)} MiB, ${records} records of 1 KiB)`,
      'GB/s',
      ours,
      baseline,
      'raw @node-rs/crc32 crc32c',
    ),
  ];
}

interface RawCodec {
  readonly compress: (input: Buffer) => Buffer;
  readonly decompress: (input: Buffer) => Buffer;
  readonly compressAsync?: (input: Buffer) => Promise<Buffer>;
  readonly decompressAsync?: (input: Buffer) => Promise<Buffer>;
}

const RAW_CODECS: ReadonlyArray<readonly [string, CompressionCodec, RawCodec]> = [
  [
    'gzip',
    CompressionCodec.gzip,
    {
      compress: (input) => gzipSync(input, { level: 6 }),
      decompress: (input) => gunzipSync(input),
      compressAsync: (input) => gzipAsync(input, { level: 6 }),
      decompressAsync: (input) => gunzipAsync(input),
    },
  ],
  [
    'snappy',
    CompressionCodec.snappy,
    {
      compress: (input) => snappy.compressSync(input),
      decompress: (input) => snappy.uncompressSync(input, { asBuffer: true }) as Buffer,
      compressAsync: (input) => snappy.compress(input),
      decompressAsync: async (input) => (await snappy.uncompress(input, { asBuffer: true })) as Buffer,
    },
  ],
  [
    'lz4',
    CompressionCodec.lz4,
    {
      compress: (input) => compressFrameSync(input),
      decompress: (input) => decompressFrameSync(input),
      compressAsync: (input) => compressFrame(input),
      decompressAsync: (input) => decompressFrame(input),
    },
  ],
  [
    'zstd',
    CompressionCodec.zstd,
    {
      compress: (input) => zstd.compress(input, { compressionLevel: 3 }),
      decompress: (input) => zstd.decompress(input),
    },
  ],
];

/** Each codec through our compress/decompress (sync and async) vs the library's own call. */
export async function benchCodecs(options: BenchOptions = {}): Promise<string[]> {
  const data = RecordBatchView.at(sampleBatch()).recordsBytes;
  const lines: string[] = [];
  for (const [name, codec, raw] of RAW_CODECS) {
    const compressed = raw.compress(data);
    const ratio = (data.length / compressed.length).toFixed(1);
    const label = `${name} (${(data.length / 1048576).toFixed(2)} MiB of records, ratio ${ratio})`;
    const library = `raw ${name}`;
    const sizes = data.length;
    let result = await compare(
      sizes,
      () => compressSync(codec, data),
      () => raw.compress(data),
      options,
    );
    lines.push(line(`${label} compress sync`, 'MB/s', result.ours, result.baseline, library));
    result = await compare(
      sizes,
      () => decompressSync(codec, compressed),
      () => raw.decompress(compressed),
      options,
    );
    lines.push(line(`${label} decompress sync`, 'MB/s', result.ours, result.baseline, library));
    const { compressAsync, decompressAsync } = raw;
    if (compressAsync !== undefined && decompressAsync !== undefined) {
      result = await compare(
        sizes,
        () => compress(codec, data),
        () => compressAsync(data),
        options,
      );
      lines.push(line(`${label} compress async`, 'MB/s', result.ours, result.baseline, library));
      result = await compare(
        sizes,
        () => decompress(codec, compressed),
        () => decompressAsync(compressed),
        options,
      );
      lines.push(line(`${label} decompress async`, 'MB/s', result.ours, result.baseline, library));
    }
  }
  return lines;
}

/** Runs every figure of this file, printing one line each as it is measured. */
export async function runRecordsBench(options: BenchOptions = {}): Promise<void> {
  const print = options.print ?? ((text: string) => console.log(text));
  for (const text of await benchBatchValidation(options)) print(text);
  for (const text of await benchCodecs(options)) print(text);
}

// Standalone: `node --import tsx bench/codec/records.ts`; bench/codec/main.ts calls runRecordsBench.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runRecordsBench();
}
