// What the broker's process spends per acks=all Produce request over TCP: an in-process broker
// (startBroker: memory storage, or --log-dir DIR for files with the default durable flush, fsync
// before acknowledge) and a client in a child process (produce-tcp-client.ts) sending --requests
// requests of one 1 KiB record, --inflight at a time, on one connection. Per request, in the broker's
// process only: CPU µs (main thread and the others: libuv's pool, GC helpers), heap bytes allocated,
// and context switches (voluntary: a thread blocked, so each is a later wake-up; involuntary: it was
// preempted), from /proc/self/task. Counts, not times, so they hold on a loaded machine:
//   node --import tsx bench/broker/produce-tcp.ts [--requests 20000] [--inflight 4] [--rounds 3]
//        [--log-dir DIR]
// Copy both files into another checkout's bench/broker/ to measure that one.
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { startBroker } from '../../src/index.js';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey } from '../../src/protocol/index.js';
import { heapAllocatedBy, threadCounts } from '../bench-support.js';

function option(name: string, fallback: string | undefined): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1];
}

const requests = Number(option('requests', '20000'));
const inflight = Number(option('inflight', '4'));
const rounds = Number(option('rounds', '3'));
const logDir = option('log-dir', undefined);
const topic = 'work';

const broker = await startBroker({
  logDirs: logDir === undefined ? 'memory' : [logDir],
  config: { 'admin.listener': '' },
});
const admin = await KafkaConnection.connect({ host: broker.host, port: broker.port });
await admin.request(ApiKey.CreateTopics, 7, {
  topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
  timeoutMs: 5000,
  validateOnly: false,
});
await admin.close();
const client = fork(
  new URL('./produce-tcp-client.ts', import.meta.url).pathname,
  [String(broker.port), topic, String(inflight)],
  {
    execArgv: ['--import', 'tsx'],
  },
);
const replies: ((message: unknown) => void)[] = [];
client.on('message', (message) => replies.shift()?.(message));
const reply = (): Promise<unknown> => new Promise((resolve) => replies.push(resolve));
const produce = (count: number): Promise<unknown> => {
  const done = reply();
  client.send({ requests: count });
  return done;
};
await reply(); // ready
await produce(requests / 2); // warm-up: the JIT compiles the paths
console.log(
  `# produce over TCP, ${logDir === undefined ? 'memory storage' : `durable files in ${logDir}`}, ${requests} requests of 1 KiB per round, ${inflight} in flight`,
);
for (let round = 0; round < rounds; round += 1) {
  const before = threadCounts();
  const cpu = process.cpuUsage();
  const heap = await heapAllocatedBy(() => produce(requests));
  const used = process.cpuUsage(cpu);
  const after = threadCounts();
  const per = (key: string): string => ((after[key]! - before[key]!) / requests).toFixed(2);
  const perUs = (key: string): string => (((after[key]! - before[key]!) * 1000) / requests).toFixed(0);
  console.log(
    `round ${round + 1}: cpu ${(((used.user + used.system) / requests) | 0).toString()} µs/request ` +
      `(main ${perUs('cpuMs.main')}, others ${perUs('cpuMs.others')}), ` +
      `${(heap.bytes / requests / 1024).toFixed(2)} KiB/request, ` +
      `switches/request main ${per('voluntary.main')} voluntary ${per('involuntary.main')} involuntary, ` +
      `others ${per('voluntary.others')} / ${per('involuntary.others')}, ` +
      `${heap.gcs} GCs [load ${loadavg()[0]!.toFixed(2)}]`,
  );
}
client.disconnect();
await broker.stop();
