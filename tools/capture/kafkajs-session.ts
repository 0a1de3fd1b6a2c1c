// One KafkaJS session against a Kafka-protocol broker, for capturing the requests KafkaJS really sends
// (see capture.sh). Usage: node --import tsx kafkajs-session.ts <bootstrap> <step>
// Steps: produce-<codec> (codec: none|gzip|snappy|lz4|zstd) and consume.
import kafkajs from 'kafkajs';
import { registerKafkaJsCodecs } from '../../src/testing/kafkajs-codecs.js';

const { Kafka, logLevel, CompressionTypes } = kafkajs;
registerKafkaJsCodecs();

const codecs = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
} as const;

const [bootstrap, step] = process.argv.slice(2);
if (!bootstrap || !step) throw new Error('usage: kafkajs-session.ts <bootstrap> <step>');
const kafka = new Kafka({ clientId: 'golden-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING });

if (step.startsWith('produce-')) {
  const codec = step.slice('produce-'.length) as keyof typeof codecs;
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: `golden-${codec}`,
    compression: codecs[codec],
    messages: [
      {
        key: 'key-1',
        value: `value-1 ${codec}`,
        partition: 0,
        headers: { trace: 'abc' },
        timestamp: '1700000000000',
      },
      { key: null, value: `value-2 ${codec}`, partition: 0, timestamp: '1700000000001' },
    ],
  });
  await producer.disconnect();
} else if (step === 'consume') {
  const consumer = kafka.consumer({ groupId: 'golden-group' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'golden-gzip', fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({ eachMessage: async () => resolve() });
  });
  await consumer.disconnect();
} else {
  throw new Error(`unknown step ${step}`);
}
