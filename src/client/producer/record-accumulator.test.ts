// Proves where batches write their records: a partition's first batch gets a buffer of batch.size up
// to 64 KiB (grown as records come), the next one a buffer as large as the last batch reached, and a
// buffer given back once its batch was answered is the one the next batch writes into; encoded batches
// decode to the records appended.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompressionCodec, decodeRecordBatchesSync } from '../../protocol/index.js';
import { EncodeBufferPool } from './encode-buffer-pool.js';
import type { DeliveryListener } from './producer-batch.js';
import { RecordAccumulator } from './record-accumulator.js';

const listener: DeliveryListener = { delivered: () => {}, failed: () => {} };
const NONE = { compression: CompressionCodec.none };

function accumulatorWith(batchSize: number) {
  const pool = new EncodeBufferPool(4, batchSize);
  const accumulator = new RecordAccumulator(
    { batchSize, lingerMs: 0, bufferMemory: 64 * 1024 * 1024, maxBlockMs: 1000, maxInFlightPerPartition: 5 },
    () => 0,
    pool,
  );
  /** Appends `count` records of `valueBytes` to partition 0 of t; true when one opened a batch behind another. */
  const append = (count: number, valueBytes: number) => {
    let opened = false;
    for (let i = 0; i < count; i += 1) {
      const value = Buffer.alloc(valueBytes, i);
      opened = accumulator.append('t', 0, null, value, [], 1000 + i, 21 + valueBytes, listener) || opened;
    }
    return opened;
  };
  return { pool, accumulator, append, queue: accumulator.queue('t', 0) };
}

describe('RecordAccumulator batch buffers', () => {
  it('gives a partition batch.size up to 64 KiB first, then what its last batch reached', async () => {
    const { accumulator, append, queue } = accumulatorWith(1_000_000);
    // 999 records of 1000 estimated bytes fill a batch: two full batches.
    assert.equal(append(1998, 979), true);
    assert.equal(queue.batches.length, 2);
    const first = accumulator.drain(queue)!;
    const encoded = await first.encode(NONE, () => assert.fail('nothing to release uncompressed'));
    assert.ok(first.pooledBuffer!.length >= 1_000_000, 'the first buffer grew to the batch');
    const [batch] = decodeRecordBatchesSync(encoded).batches;
    assert.equal(batch?.records.length, first.recordCount);
    assert.deepEqual(batch?.records[5]?.value, Buffer.alloc(979, 5));
    // The second batch opened before the first was drained: it started small and grew too.
    const second = accumulator.drain(queue)!;
    await second.encode(NONE, () => {});
    assert.ok(second.pooledBuffer!.length >= 1_000_000);
    append(1, 979);
    const third = accumulator.drain(queue)!;
    await third.encode(NONE, () => {});
    assert.ok(third.pooledBuffer!.length >= 1_000_000, 'opened with the size of the last batch');
  });

  it('writes the next batch into a buffer given back to the pool', async () => {
    const { pool, accumulator, append, queue } = accumulatorWith(16_384);
    append(10, 100);
    const first = accumulator.drain(queue)!;
    await first.encode(NONE, () => {});
    const buffer = first.pooledBuffer!;
    assert.equal(buffer.length, 16_384, 'batch.size when it is below 64 KiB');
    pool.give(buffer);
    append(3, 100);
    const second = accumulator.drain(queue)!;
    const encoded = await second.encode(NONE, () => {});
    assert.equal(second.pooledBuffer, buffer);
    assert.equal(encoded.buffer, buffer.buffer, 'the batch was written into the given-back buffer');
    assert.deepEqual(
      decodeRecordBatchesSync(encoded).batches[0]?.records.map((r) => r.value),
      [0, 1, 2].map((i) => Buffer.alloc(100, i)),
    );
  });

  it('releases the buffer of a compressed batch at once and keeps a small partition small', async () => {
    const { accumulator, append, queue } = accumulatorWith(1_000_000);
    append(3, 100);
    const batch = accumulator.drain(queue)!;
    const released: Buffer[] = [];
    const encoded = await batch.encode({ compression: CompressionCodec.gzip }, (b) => released.push(b));
    assert.equal(released.length, 1);
    assert.ok(released[0]!.length <= 64 * 1024 + 61 + 121, 'a sparse partition holds no batch.size buffer');
    assert.equal(batch.pooledBuffer, undefined);
    assert.equal(decodeRecordBatchesSync(encoded).batches[0]?.records.length, 3);
  });
});
