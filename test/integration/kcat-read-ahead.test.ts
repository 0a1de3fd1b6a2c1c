// kcat (librdkafka, the client of the broker benchmark) consumes a topic of large records from the
// beginning against startBroker on disk: each fetch reads the log file, so the broker reads the next
// range ahead (pooled buffers, given back after each response's socket write) and librdkafka's next
// fetch takes it. Every record must come back exactly and in order, with read-ahead on (the default)
// and off, and again after DeleteRecords moved the log start past the range read ahead.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { kcat } from './kcat-run.js';

const RECORDS = 30;
/** Well above the log's in-memory tail (128 KiB for the latest appends): reads go to the file. */
const VALUE_BYTES = 90 * 1024;
const valueAt = (offset: number): string =>
  `${offset}:${String.fromCharCode(97 + (offset % 26)).repeat(VALUE_BYTES)}`;

/** Three records per batch and about one batch per fetch: a dozen fetches that each read the file. */
const PRODUCER = ['-X', 'batch.size=300000', '-X', 'linger.ms=50', '-X', 'acks=all'];
const CONSUMER = ['-X', 'fetch.message.max.bytes=300000', '-X', 'check.crcs=true'];

async function consumeAll(broker: RunningBroker, topic: string, from: string): Promise<string[]> {
  const output = await kcat([
    '-b',
    broker.bootstrap,
    '-C',
    '-t',
    topic,
    '-p',
    '0',
    '-o',
    from,
    '-e',
    '-q',
    ...CONSUMER,
    '-f',
    '%o %s\n',
  ]);
  return output.split('\n').filter((line) => line !== '');
}

for (const readAhead of [true, false]) {
  describe(`kcat consuming large records from log files, read-ahead ${readAhead ? 'on' : 'off'}`, () => {
    let dir: string;
    let broker: RunningBroker;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pyralog-read-ahead-'));
      broker = await startBroker({
        port: 0,
        logDirs: [dir],
        config: readAhead ? {} : { 'pyralog.fetch.read.ahead.max.bytes': '0' },
      });
      const input = Array.from({ length: RECORDS }, (_, offset) => valueAt(offset)).join('\n');
      await kcat(['-b', broker.bootstrap, '-P', '-t', 'large', '-p', '0', ...PRODUCER], `${input}\n`);
    });
    after(async () => {
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('returns every record exactly and in order, twice over', async () => {
      const expected = Array.from({ length: RECORDS }, (_, offset) => `${offset} ${valueAt(offset)}`);
      assert.deepEqual(await consumeAll(broker, 'large', 'beginning'), expected);
      assert.deepEqual(await consumeAll(broker, 'large', 'beginning'), expected);
    });

    it('starts at the new log start after DeleteRecords', async () => {
      // kcat has no DeleteRecords: consume (reading ahead as it goes), then delete with KafkaJS's admin.
      await consumeAll(broker, 'large', 'beginning');
      const { Kafka, logLevel } = (await import('kafkajs')).default;
      const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        // KafkaJS looks the leader up in its cached metadata: load it first.
        await admin.fetchTopicMetadata({ topics: ['large'] });
        await admin.deleteTopicRecords({ topic: 'large', partitions: [{ partition: 0, offset: '10' }] });
      } finally {
        await admin.disconnect();
      }
      const lines = await consumeAll(broker, 'large', 'beginning');
      assert.deepEqual(
        lines,
        Array.from({ length: RECORDS - 10 }, (_, index) => `${index + 10} ${valueAt(index + 10)}`),
      );
    });
  });
}
