// Integration-test helper: quiet KafkaJS 2.2.4 clients against a test broker.
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

/** A KafkaJS client with logging off and few retries, so a test sees the broker's error rather than a retry storm. */
export function kafkaClient(bootstrap: string, clientId: string, retries = 2): kafkajs.Kafka {
  return new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries } });
}

/** Runs `work` with a connected admin client and disconnects it afterwards, whatever happens. */
export async function withAdmin<T>(
  kafka: kafkajs.Kafka,
  work: (admin: kafkajs.Admin) => Promise<T>,
): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}
