// Test-only child process: one node-rdkafka 3.6.1 (librdkafka 2.12) consumer using the KIP-848 protocol
// (group.protocol=consumer). Prints JSON lines: {"event":"assigned"|"revoked","partitions","owned","protocol"}
// per rebalance callback (owned: what it holds afterwards), {"event":"record","partition","offset","value"}
// per record, {"event":"error","code","message"} for consumer errors. A "close" line on stdin
// disconnects (the member leaves with epoch -1) and exits 0.
// Usage: node --import tsx rdkafka-group-member.ts '<json: bootstrap, group, topic, name, instance?, assignor?>'
import { createInterface } from 'node:readline';
import rdkafka from 'node-rdkafka';

interface Config {
  readonly bootstrap: string;
  readonly group: string;
  readonly topic: string;
  readonly name: string;
  readonly instance?: string | null;
  readonly assignor?: string | null;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const owned = new Set<number>();
const emit = (entry: object) => process.stdout.write(`${JSON.stringify(entry)}\n`);

const settings: rdkafka.ConsumerGlobalConfig = {
  'bootstrap.servers': config.bootstrap,
  'group.id': config.group,
  'client.id': config.name,
  'group.protocol': 'consumer',
  'enable.auto.commit': true,
  'auto.commit.interval.ms': 200,
  'topic.metadata.refresh.interval.ms': 1000,
  rebalance_cb: true,
};
if (config.instance) settings['group.instance.id'] = config.instance;
if (config.assignor) (settings as Record<string, unknown>)['group.remote.assignor'] = config.assignor;

const consumer = new rdkafka.KafkaConsumer(settings, { 'auto.offset.reset': 'earliest' });
consumer.on('rebalance', (error, assignment) => {
  const partitions = assignment.map((a) => a.partition).sort((x, y) => x - y);
  const cooperative = consumer.rebalanceProtocol() === 'COOPERATIVE';
  const assigned = error.code === rdkafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS;
  if (!cooperative) owned.clear();
  for (const p of partitions) {
    if (assigned) owned.add(p);
    else owned.delete(p);
  }
  emit({
    event: assigned ? 'assigned' : 'revoked',
    partitions,
    owned: [...owned].sort((x, y) => x - y),
    protocol: consumer.rebalanceProtocol(),
  });
});
consumer.on('event.error', (error) => emit({ event: 'error', code: error.code, message: error.message }));
consumer.on('data', (message) => {
  emit({
    event: 'record',
    partition: message.partition,
    offset: message.offset,
    value: message.value?.toString('utf8') ?? null,
  });
});
consumer.on('ready', () => {
  consumer.subscribe([config.topic]);
  consumer.consume();
});
consumer.connect();

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'close') return;
  consumer.disconnect(() => {
    emit({ event: 'closed' });
    process.exit(0);
  });
});
