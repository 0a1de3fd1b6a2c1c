// Integration-test helper: reads records with a KafkaJS 2.2.4 group consumer until `count` arrived (or a deadline).
import type kafkajs from 'kafkajs';

export interface SeenRecord {
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
  readonly timestamp: bigint;
}

/** Consumes `topic` from the beginning in a fresh group until `count` records arrived; sorted by partition, offset. */
export async function consumeWithKafkaJs(
  kafka: kafkajs.Kafka,
  topic: string,
  count: number,
  groupId: string,
  timeoutMs = 20_000,
): Promise<SeenRecord[]> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const seen: SeenRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`KafkaJS saw ${seen.length} of ${count} records in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            seen.push({
              partition,
              offset: BigInt(message.offset),
              key: message.key === null ? null : message.key.toString(),
              value: message.value === null ? null : message.value.toString(),
              headers: Object.fromEntries(
                Object.entries(message.headers ?? {}).map(([k, v]) => [k, v === undefined ? '' : String(v)]),
              ),
              timestamp: BigInt(message.timestamp),
            });
            if (seen.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return seen.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
}
