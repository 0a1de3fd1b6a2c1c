// Codec micro-benchmark: decodes and encodes a Produce request carrying 1 MiB of records (the
// records must stay a view, so throughput should dwarf a memcpy of the same bytes) and a small
// Metadata response, beside a raw memcpy baseline from the same run. Prints one line per figure.
// Usage: npm run bench:codec [-- --seconds 1]
import {
  ByteReader,
  ByteWriter,
  type MetadataResponse,
  metadataResponse,
  type ProduceRequest,
  produceRequest,
} from '../../src/protocol/index.js';
import { runRecordsBench } from './records.js';

const flag = process.argv.indexOf('--seconds');
const seconds = flag === -1 ? 1 : Number(process.argv[flag + 1]);

/** Runs `body` repeatedly for about `seconds`; returns operations per second. */
function measure(body: () => void): number {
  for (let i = 0; i < 1000; i++) body();
  let operations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 100; i++) body();
    operations += 100;
    now = process.hrtime.bigint();
  }
  return operations / (Number(now - start) / 1e9);
}

function report(name: string, perSecond: number, bytes: number): void {
  const gbps = ((perSecond * bytes) / 1e9).toFixed(2);
  console.log(`${name}: ${Math.round(perSecond).toLocaleString('en')} ops/s, ${gbps} GB/s`);
}

const records = Buffer.alloc(1 << 20, 0x5a);
const produce: ProduceRequest = {
  transactionalId: null,
  acks: -1,
  timeoutMs: 30000,
  topicData: [{ name: 'bench', partitionData: [{ index: 0, records }] }],
};
const produceWriter = new ByteWriter();
produceRequest.encode(produceWriter, 9, produce);
const produceFrame = Buffer.concat(produceWriter.toChunks());

const metadata: MetadataResponse = {
  throttleTimeMs: 0,
  brokers: [0, 1, 2].map((nodeId) => ({ nodeId, host: `broker-${nodeId}`, port: 9092, rack: null })),
  clusterId: 'pyralog',
  controllerId: 0,
  topics: Array.from({ length: 10 }, (_, topic) => ({
    errorCode: 0,
    name: `topic-${topic}`,
    topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
    isInternal: false,
    partitions: Array.from({ length: 6 }, (_, partitionIndex) => ({
      errorCode: 0,
      partitionIndex,
      leaderId: partitionIndex % 3,
      leaderEpoch: 1,
      replicaNodes: [0, 1, 2],
      isrNodes: [0, 1, 2],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: -2147483648,
  })),
  clusterAuthorizedOperations: -2147483648,
};
const metadataWriter = new ByteWriter();
metadataResponse.encode(metadataWriter, 12, metadata);
const metadataFrame = metadataWriter.toBuffer();

const copyTarget = Buffer.allocUnsafe(records.length);
report(
  'baseline memcpy 1 MiB',
  measure(() => records.copy(copyTarget)),
  records.length,
);
report(
  'ProduceRequest v9 decode (1 MiB records)',
  measure(() => produceRequest.decode(new ByteReader(produceFrame), 9)),
  produceFrame.length,
);
report(
  'ProduceRequest v9 encode to chunks (1 MiB records)',
  measure(() => produceRequest.encode(new ByteWriter(), 9, produce)),
  produceFrame.length,
);
report(
  `MetadataResponse v12 decode (${metadataFrame.length} bytes)`,
  measure(() => metadataResponse.decode(new ByteReader(metadataFrame), 12)),
  metadataFrame.length,
);
report(
  `MetadataResponse v12 encode (${metadataFrame.length} bytes)`,
  measure(() => metadataResponse.encode(new ByteWriter(), 12, metadata)),
  metadataFrame.length,
);

// Record batches: CRC-32C validation beside the raw library, and each compression codec beside its library.
await runRecordsBench();
