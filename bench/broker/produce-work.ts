// Heap bytes allocated and CPU used per acks=all Produce request, in process: the request dispatcher
// of an in-memory broker (src/broker's test kit, no sockets) answering --requests produce requests
// of one 1 KiB record, --inflight at a time (group commits gather them as a paced producer's do).
// The kit encodes each request and decodes each response in this process too; that part is the
// same for every build, so compare figures of two checkouts, not the absolute ones:
//   node --import tsx bench/broker/produce-work.ts [--requests 40000] [--inflight 4] [--rounds 3]
// (copy this file into another checkout's bench/broker/ to measure that one.) Allocation is counted
// as window-hook.mjs does: used-heap growth between garbage collections, summed.
import { createTestBroker } from '../../src/broker/broker-test-kit.js';
import { createTopicsBody, produceBody } from '../../src/broker/request-builders.test-support.js';
import { ApiKey, createRecordBatch, encodeRecordBatchSync } from '../../src/protocol/index.js';
import { heapAllocatedBy } from '../bench-support.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

const requests = option('requests', 40_000);
const inflight = option('inflight', 4);
const rounds = option('rounds', 3);

const broker = await createTestBroker();
await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'work' }]));
const value = Buffer.alloc(1024, 7);

async function produce(count: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const records = encodeRecordBatchSync(createRecordBatch({ records: [{ value }] }));
      const response = await broker.call(ApiKey.Produce, 9, produceBody('work', 0, records, -1));
      if (response?.responses[0]?.partitionResponses[0]?.errorCode !== 0) throw new Error('produce failed');
    }
  };
  await Promise.all(Array.from({ length: inflight }, lane));
}

await produce(requests / 2); // warm-up: the JIT compiles the paths
for (let round = 0; round < rounds; round += 1) {
  const cpu = process.cpuUsage();
  const heap = await heapAllocatedBy(() => produce(requests));
  const used = process.cpuUsage(cpu);
  const load = (await import('node:os')).loadavg()[0]!.toFixed(2);
  console.log(
    `round ${round + 1}: ${(heap.bytes / requests / 1024).toFixed(2)} KiB/request, ` +
      `cpu ${(((used.user + used.system) / requests) | 0).toString()} µs/request, ` +
      `${heap.gcs} GCs (${requests} requests, ${inflight} in flight) [load ${load}]`,
  );
}
await broker.close();
