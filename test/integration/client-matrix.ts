// The record set of the real-client matrix (issue 4) and what reading it back must give: keyed and
// unkeyed records, headers (repeated keys, empty values), null values, explicit timestamps and an
// explicit partition, so that every partition gets records and each can be checked for exact order.

export type Header = readonly [string, string | null];

export interface SentRecord {
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly Header[];
  readonly timestamp: number;
  readonly partition?: number;
}

/** Where the broker put a record (or why it did not). */
export interface ProduceResult {
  readonly partition?: number;
  readonly offset?: number;
  /** CreateTime: the record's own; LogAppendTime: the broker's. */
  readonly timestamp?: number;
  readonly error?: string;
  readonly code?: number | null;
  /** Refused by the client itself, before any request. */
  readonly local?: boolean;
}

export interface ConsumedRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly Header[];
  readonly timestamp: number;
  /** 0 CreateTime, 1 LogAppendTime. */
  readonly timestamp_type: number;
}

/**
 * Records for one producer run with `codec`; timestamps rise from `firstTimestamp` in send order. A
 * header with a null value is left out for clients that cannot send one (kafka-python).
 */
export function matrixRecords(
  codec: string,
  firstTimestamp: number,
  partitions: number,
  nullHeaderValues = true,
): SentRecord[] {
  const records: SentRecord[] = [
    { key: `${codec}-a`, value: `${codec} keyed`, headers: [['codec', codec]], timestamp: 0 },
    { key: null, value: `${codec} unkeyed`, headers: [['codec', codec]], timestamp: 0 },
    { key: `${codec}-tombstone`, value: null, headers: [], timestamp: 0 },
    {
      key: `${codec}-repeated-headers`,
      value: `${codec} ✓ utf-8`,
      headers: [
        ['n', '1'],
        ['n', '2'],
        ['empty', ''],
        ...(nullHeaderValues ? [['null', null] as const] : []),
      ],
      timestamp: 0,
    },
    { key: null, value: '', headers: [], timestamp: 0 },
  ];
  for (let partition = 0; partition < partitions; partition += 1) {
    records.push({
      key: `${codec}-p${partition}`,
      value: `${codec} to partition ${partition}`,
      headers: [['partition', String(partition)]],
      partition,
      timestamp: 0,
    });
  }
  return records.map((record, index) => ({ ...record, timestamp: firstTimestamp + index }));
}

/**
 * What consuming every partition from the start must give, partition by partition in offset order,
 * given the records in send order and where the broker put each.
 */
export function expectedByPartition(
  sent: readonly SentRecord[],
  placed: readonly ProduceResult[],
): Map<number, ConsumedRecord[]> {
  const byPartition = new Map<number, ConsumedRecord[]>();
  sent.forEach((record, index) => {
    const { partition, offset } = placed[index] ?? {};
    if (partition === undefined || offset === undefined) throw new Error(`record ${index} was not placed`);
    const list = byPartition.get(partition) ?? [];
    list.push({
      partition,
      offset,
      key: record.key,
      value: record.value,
      headers: record.headers,
      timestamp: record.timestamp,
      timestamp_type: 0,
    });
    byPartition.set(partition, list);
  });
  for (const list of byPartition.values()) list.sort((a, b) => a.offset - b.offset);
  return byPartition;
}

export function groupByPartition(records: readonly ConsumedRecord[]): Map<number, ConsumedRecord[]> {
  const byPartition = new Map<number, ConsumedRecord[]>();
  for (const record of records) {
    const list = byPartition.get(record.partition) ?? [];
    list.push(record);
    byPartition.set(record.partition, list);
  }
  return byPartition;
}

/** The offset ListOffsets by time must answer per partition: the first record at or after `timestamp`. */
export function offsetsForTime(
  expected: ReadonlyMap<number, readonly ConsumedRecord[]>,
  partitions: number,
  timestamp: number,
): Record<string, number | null> {
  const answer: Record<string, number | null> = {};
  for (let partition = 0; partition < partitions; partition += 1) {
    const found = (expected.get(partition) ?? []).find((record) => record.timestamp >= timestamp);
    answer[String(partition)] = found?.offset ?? null;
  }
  return answer;
}
