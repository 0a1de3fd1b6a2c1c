// Test-only child process: one KafkaJS 2.2.4 group member that commits each record synchronously and then
// prints it as a JSON line ({"value","partition","offset"}); it never leaves the group on its own, so a
// test can SIGKILL it and watch the coordinator expire its session.
// Usage: node --import tsx kafkajs-group-member.ts <bootstrap> <groupId> <topic> <sessionTimeoutMs>
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const [bootstrap = '', groupId = '', topic = '', sessionTimeout = '3000'] = process.argv.slice(2);

const kafka = new Kafka({ clientId: 'child-member', brokers: [bootstrap], logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({
  groupId,
  sessionTimeout: Number(sessionTimeout),
  heartbeatInterval: 300,
  rebalanceTimeout: 10_000,
  maxWaitTimeInMs: 100,
});
consumer.on(consumer.events.GROUP_JOIN, (event) => {
  process.stdout.write(`${JSON.stringify({ joined: event.payload.memberAssignment })}\n`);
});
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachMessage: async ({ partition, message }) => {
    const next = (BigInt(message.offset) + 1n).toString();
    await consumer.commitOffsets([{ topic, partition, offset: next }]);
    const line = { value: message.value?.toString(), partition, offset: message.offset };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  },
});
