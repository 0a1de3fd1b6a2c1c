// Integration-test helper: reads a partition back with our own KafkaConnection (Fetch v12), since a
// KafkaJS consumer needs a consumer group and the group APIs are not served yet.

import { fetchBody } from '../../src/broker/request-builders.test-support.js';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, decodeRecordBatches, type KafkaRecord } from '../../src/protocol/index.js';

export interface FetchedRecord {
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
}

function toFetched(baseOffset: bigint, baseTimestamp: bigint, record: KafkaRecord): FetchedRecord {
  return {
    offset: baseOffset + BigInt(record.offsetDelta),
    timestamp: baseTimestamp + BigInt(record.timestampDelta),
    key: record.key === null ? null : record.key.toString(),
    value: record.value === null ? null : record.value.toString(),
    headers: Object.fromEntries(
      record.headers.map((h) => [h.key, h.value === null ? '' : h.value.toString()]),
    ),
  };
}

/**
 * Every record of `topic`-`partition` from offset 0 to the high watermark, waiting (long polls, with a
 * deadline) until at least `minRecords` are visible: an acks=1 answer may come before the high
 * watermark covers the batch (it follows the fsync in durable mode), so a read right after producing
 * must wait for what it expects instead of racing it.
 */
export async function fetchAll(
  bootstrap: string,
  topic: string,
  partition: number,
  minRecords: number,
  timeoutMs = 15_000,
): Promise<FetchedRecord[]> {
  const [host, port] = bootstrap.split(':') as [string, string];
  const connection = await KafkaConnection.connect({ host, port: Number(port) });
  try {
    const records: FetchedRecord[] = [];
    let offset = 0n;
    const deadline = Date.now() + timeoutMs;
    for (let round = 0; round < 1000; round += 1) {
      const waiting = records.length < minRecords;
      const body = fetchBody(topic, partition, offset, { maxWaitMs: waiting ? 500 : 0 });
      const response = await connection.request(ApiKey.Fetch, 12, body);
      const data = response.responses[0]?.partitions[0];
      if (data === undefined || data.errorCode !== 0) throw new Error(`fetch error ${data?.errorCode}`);
      const { batches } = await decodeRecordBatches(data.records ?? Buffer.alloc(0));
      for (const batch of batches) {
        for (const record of batch.records) {
          const fetched = toFetched(batch.baseOffset, batch.baseTimestamp, record);
          if (fetched.offset >= offset) records.push(fetched);
        }
        offset = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n;
      }
      if (offset >= data.highWatermark && records.length >= minRecords) return records;
      if (Date.now() > deadline)
        throw new Error(`fetchAll: ${records.length} of ${minRecords} records after ${timeoutMs} ms`);
    }
    throw new Error('fetchAll: too many rounds');
  } finally {
    await connection.close();
  }
}
