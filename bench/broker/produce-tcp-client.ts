// The client half of produce-tcp.ts, in a process of its own so that the broker's process counts
// only the broker: on each `{ requests }` message from its parent it sends that many acks=all
// Produce requests of one 1 KiB record over one connection, --inflight at a time, then answers
// `{ done: true }`. Exits when the parent disconnects.
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, createRecordBatch, encodeRecordBatchSync } from '../../src/protocol/index.js';

const [port, topic, inflight] = [Number(process.argv[2]), process.argv[3]!, Number(process.argv[4])];
const connection = await KafkaConnection.connect({ host: '127.0.0.1', port });
const value = Buffer.alloc(1024, 7);

async function produce(count: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const records = encodeRecordBatchSync(createRecordBatch({ records: [{ value }] }));
      const response = await connection.request(ApiKey.Produce, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
      });
      if (response.responses[0]?.partitionResponses[0]?.errorCode !== 0) throw new Error('produce failed');
    }
  };
  await Promise.all(Array.from({ length: inflight }, lane));
}

process.on('message', (message: { requests: number }) => {
  void produce(message.requests).then(() => process.send?.({ done: true }));
});
process.on('disconnect', () => {
  void connection.close().then(() => process.exit(0));
});
process.send?.({ ready: true });
