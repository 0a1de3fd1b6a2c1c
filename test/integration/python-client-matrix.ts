// The real-client matrix of issue 4 for a Python client script (test/integration/python/*.py):
// against startBroker on port 0 with a temp dir it creates a topic with several partitions, produces
// the matrix records with every codec (acks -1 and 1), reads them back exactly, lists offsets by
// time, sends a 10 MB record to a topic whose max.message.bytes allows it and to one whose limit
// refuses it, checks LogAppendTime stamping and an acks=0 record, describes and alters topic and
// broker configs, deletes records, adds partitions and deletes the topic.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/index.js';
import {
  type ConsumedRecord,
  expectedByPartition,
  groupByPartition,
  matrixRecords,
  offsetsForTime,
  type ProduceResult,
  type SentRecord,
} from './client-matrix.js';
import { runPythonClient } from './python-client.js';

export interface PythonClientMatrix {
  /** Shown in the test names, e.g. 'kafka-python 2.0.2'. */
  readonly client: string;
  /** File name under test/integration/python. */
  readonly script: string;
  /** Requests (name_vN as the script reports them) the client must have sent by the end. */
  readonly expectedRequests: readonly string[];
  /** Whether the client can send a header whose value is null. */
  readonly nullHeaderValues: boolean;
  /**
   * Whether the script sends DeleteRecords itself; if not (the client has no such API), KafkaJS
   * sends it and the test checks what the client then sees.
   */
  readonly deleteRecords: boolean;
}

interface ConfigEntry {
  readonly value: string | null;
  readonly read_only: boolean;
  readonly sensitive: boolean;
  /** Kafka's ConfigSource: 1 dynamic topic, 4 static broker, 5 default (absent from v0 answers). */
  readonly source?: number;
  /** [name, value, source] in order of precedence (v1+, when asked for). */
  readonly synonyms?: readonly (readonly [string, string | null, number])[];
}
interface Configs {
  readonly error_code: number;
  readonly configs: Record<string, ConfigEntry>;
}

interface DeletedRecords {
  readonly partitions: Record<string, { low_watermark: number; error_code: number }>;
}

/** DeleteRecords through KafkaJS, for a client without the API; answers in the scripts' shape. */
async function deleteRecordsWithKafkaJs(
  bootstrap: string,
  topic: string,
  offsets: Record<string, number>,
): Promise<DeletedRecords> {
  const admin = new kafkajs.Kafka({ brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    // KafkaJS looks the partition leaders up in metadata it must already hold for the topic.
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({
      topic,
      partitions: Object.entries(offsets).map(([partition, offset]) => ({
        partition: Number(partition),
        offset: String(offset),
      })),
    });
  } finally {
    await admin.disconnect();
  }
  const partitions: DeletedRecords['partitions'] = {};
  for (const [partition, offset] of Object.entries(offsets)) {
    partitions[partition] = { low_watermark: offset, error_code: 0 };
  }
  return { partitions };
}

const PARTITIONS = 3;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const TEN_MB = 10 * 1024 * 1024;
const OFFSET_OUT_OF_RANGE = 1;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const MESSAGE_TOO_LARGE = 10;
const TOPIC_ALREADY_EXISTS = 36;
const INVALID_PARTITIONS = 37;
const INVALID_CONFIG = 40;
const DYNAMIC_TOPIC_CONFIG = 1;
const DEFAULT_CONFIG = 5;

interface Produced {
  readonly results: readonly ProduceResult[];
}
interface Consumed {
  readonly records: readonly ConsumedRecord[];
}
interface Offsets {
  readonly earliest: Record<string, number>;
  readonly latest: Record<string, number>;
  readonly by_time?: Record<string, number | null>;
}

export function describePythonClientMatrix(matrix: PythonClientMatrix): void {
  describe(`${matrix.client} against startBroker`, () => {
    let dir: string;
    let broker: RunningBroker;
    const sent: Map<number, ConsumedRecord[]> = new Map();
    const requests = new Set<string>();
    const all = (partitions: number) => Array.from({ length: partitions }, (_, p) => p);
    const client = async <T extends object>(op: string, fields: Record<string, unknown>): Promise<T> => {
      const answer = await runPythonClient<T>(matrix.script, { op, bootstrap: broker.bootstrap, ...fields });
      for (const request of answer.requests) requests.add(request);
      return answer;
    };

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pyralog-python-client-'));
      broker = await startBroker({ port: 0, logDirs: [dir] });
    });
    after(async () => {
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('creates a topic with several partitions, and refuses to create it twice', async () => {
      const created = await client<{ error: string | null }>('create_topic', {
        topic: 'matrix',
        partitions: PARTITIONS,
      });
      assert.equal(created.error, null, JSON.stringify(created));
      const described = await client<{ error_code: number; partitions: unknown[] }>('describe_topic', {
        topic: 'matrix',
      });
      assert.deepEqual(described.partitions, [
        { partition: 0, leader: broker.nodeId },
        { partition: 1, leader: broker.nodeId },
        { partition: 2, leader: broker.nodeId },
      ]);
      const again = await client<{ code?: number }>('create_topic', {
        topic: 'matrix',
        partitions: PARTITIONS,
      });
      assert.equal(again.code, TOPIC_ALREADY_EXISTS, JSON.stringify(again));
    });

    it('produces keyed and unkeyed records with headers and null values with every codec, and reads them back exactly', async () => {
      const firstTimestamp = Date.now() - 60_000;
      const next = new Map<number, number>();
      for (const [index, codec] of CODECS.entries()) {
        const records: SentRecord[] = matrixRecords(
          codec,
          firstTimestamp + index * 100,
          PARTITIONS,
          matrix.nullHeaderValues,
        );
        const { results } = await client<Produced>('produce', {
          topic: 'matrix',
          compression: codec === 'none' ? null : codec,
          acks: index % 2 === 0 ? -1 : 1,
          records,
        });
        // Each partition's offsets continue from the previous run's, one per record in send order.
        for (const result of results) {
          assert.equal(result.error, undefined, `${codec}: ${JSON.stringify(result)}`);
          const expectedOffset = next.get(result.partition!) ?? 0;
          assert.equal(result.offset, expectedOffset, `${codec}: partition ${result.partition}`);
          assert.equal(result.timestamp, records[results.indexOf(result)]?.timestamp);
          next.set(result.partition!, expectedOffset + 1);
        }
        for (const [partition, list] of expectedByPartition(records, results)) {
          sent.set(partition, [...(sent.get(partition) ?? []), ...list]);
        }
      }
      const { records } = await client<Consumed>('consume', { topic: 'matrix', partitions: all(PARTITIONS) });
      const consumed = groupByPartition(records);
      for (const partition of all(PARTITIONS)) {
        assert.deepEqual(consumed.get(partition), sent.get(partition), `partition ${partition}`);
      }
    });

    it('lists earliest, latest and by-timestamp offsets', async () => {
      const middle = sent.get(1)![Math.floor(sent.get(1)!.length / 2)]!;
      const offsets = await client<Offsets>('list_offsets', {
        topic: 'matrix',
        partitions: all(PARTITIONS),
        timestamp: middle.timestamp,
      });
      assert.deepEqual(offsets.earliest, { 0: 0, 1: 0, 2: 0 });
      assert.deepEqual(offsets.latest, {
        0: sent.get(0)!.length,
        1: sent.get(1)!.length,
        2: sent.get(2)!.length,
      });
      assert.deepEqual(offsets.by_time, offsetsForTime(sent, PARTITIONS, middle.timestamp));
      assert.equal(offsets.by_time?.['1'], middle.offset);
      const future = await client<Offsets>('list_offsets', {
        topic: 'matrix',
        partitions: [0],
        timestamp: Date.now() + 3_600_000,
      });
      assert.deepEqual(future.by_time, { 0: null });
    });

    it('accepts a 10 MB record where max.message.bytes allows it and refuses it with MESSAGE_TOO_LARGE elsewhere', async () => {
      const big = await client<{ error: string | null }>('create_topic', {
        topic: 'big',
        partitions: 1,
        configs: { 'max.message.bytes': String(11 * 1024 * 1024) },
      });
      assert.equal(big.error, null, JSON.stringify(big));
      await client('create_topic', { topic: 'small', partitions: 1 });
      const limits = { max_request_size: 12 * 1024 * 1024 };
      const accepted = await client<Produced>('produce', {
        topic: 'big',
        records: [{ key: 'big', repeat: TEN_MB, headers: [], timestamp: Date.now() }],
        ...limits,
      });
      assert.deepEqual(
        accepted.results.map((r) => [r.partition, r.offset, r.error]),
        [[0, 0, undefined]],
      );
      const refused = await client<Produced>('produce', {
        topic: 'small',
        records: [{ key: 'big', repeat: TEN_MB, headers: [], timestamp: Date.now() }],
        ...limits,
      });
      assert.equal(refused.results[0]?.code, MESSAGE_TOO_LARGE, JSON.stringify(refused.results));
      assert.equal(refused.results[0]?.local, undefined, 'the broker refused it, not the client');
      // The first-batch rule (KIP-74) hands the 10 MB batch to a 1 MiB partition fetch limit.
      const { records } = await client<Consumed>('consume', { topic: 'big', partitions: [0] });
      assert.equal(records.length, 1);
      assert.equal(records[0]?.value, 'x'.repeat(TEN_MB));
      const small = await client<Offsets>('list_offsets', { topic: 'small', partitions: [0] });
      assert.deepEqual(small.latest, { 0: 0 });
    });

    it('stamps records with the broker time on a LogAppendTime topic', async () => {
      await client('create_topic', {
        topic: 'appended',
        partitions: 1,
        configs: { 'message.timestamp.type': 'LogAppendTime' },
      });
      const before = Date.now();
      const { results } = await client<Produced>('produce', {
        topic: 'appended',
        compression: 'gzip',
        records: [
          { key: 'a', value: 'one', headers: [], timestamp: 1_000 },
          { key: 'b', value: 'two', headers: [], timestamp: 2_000 },
        ],
      });
      const after = Date.now();
      const stamp = results[0]?.timestamp ?? -1;
      assert.ok(stamp >= before && stamp <= after, `${stamp} not in [${before}, ${after}]`);
      const { records } = await client<Consumed>('consume', { topic: 'appended', partitions: [0] });
      assert.deepEqual(
        records.map((r) => [r.offset, r.value, r.timestamp, r.timestamp_type]),
        [
          [0, 'one', results[0]?.timestamp, 1],
          [1, 'two', results[1]?.timestamp, 1],
        ],
      );
    });

    it('lands an acks=0 record, which gets no answer', async () => {
      await client('create_topic', { topic: 'fire', partitions: 1 });
      const { results } = await client<Produced>('produce', {
        topic: 'fire',
        acks: 0,
        records: [{ key: null, value: 'fire-and-forget', headers: [], timestamp: Date.now() }],
      });
      assert.equal(results[0]?.error, undefined, JSON.stringify(results));
      const deadline = Date.now() + 15_000;
      let latest = 0;
      while (latest < 1 && Date.now() < deadline) {
        latest = (await client<Offsets>('list_offsets', { topic: 'fire', partitions: [0] })).latest['0'] ?? 0;
      }
      const { records } = await client<Consumed>('consume', { topic: 'fire', partitions: [0] });
      assert.deepEqual(
        records.map((r) => r.value),
        ['fire-and-forget'],
      );
    });

    it("describes and alters topic configs; AlterConfigs replaces all of a topic's overrides", async () => {
      const entry = (configs: Configs, name: string) => {
        const { value, read_only, sensitive, source } = configs.configs[name] ?? ({} as Partial<ConfigEntry>);
        return { value, read_only, sensitive, source };
      };
      const big = await client<Configs>('describe_configs', { name: 'big' });
      assert.equal(big.error_code, 0);
      assert.deepEqual(entry(big, 'max.message.bytes'), {
        value: String(11 * 1024 * 1024),
        read_only: false,
        sensitive: false,
        source: DYNAMIC_TOPIC_CONFIG,
      });
      assert.deepEqual(entry(big, 'cleanup.policy'), {
        value: 'delete',
        read_only: false,
        sensitive: false,
        source: DEFAULT_CONFIG,
      });
      const tenMb = (topic: string) =>
        client<Produced>('produce', {
          topic,
          records: [{ key: 'big', repeat: TEN_MB, headers: [], timestamp: Date.now() }],
          max_request_size: 12 * 1024 * 1024,
        });

      // Raising 'small' to 11 MiB lets the 10 MB record in.
      const raised = await client<Configs>('alter_configs', {
        name: 'small',
        configs: { 'max.message.bytes': String(11 * 1024 * 1024) },
      });
      assert.equal(raised.error_code, 0, JSON.stringify(raised));
      const small = await client<Configs>('describe_configs', { name: 'small', synonyms: true });
      assert.equal(entry(small, 'max.message.bytes').value, String(11 * 1024 * 1024));
      assert.equal(entry(small, 'max.message.bytes').source, DYNAMIC_TOPIC_CONFIG);
      // Synonyms in order of precedence: the topic override, then the broker's default.
      assert.deepEqual(small.configs['max.message.bytes']?.synonyms, [
        ['max.message.bytes', String(11 * 1024 * 1024), DYNAMIC_TOPIC_CONFIG],
        ['message.max.bytes', '1048588', DEFAULT_CONFIG],
      ]);
      assert.deepEqual(
        (await tenMb('small')).results.map((r) => [r.partition, r.offset, r.code]),
        [[0, 0, undefined]],
      );

      // Setting only retention.ms on 'big' drops its max.message.bytes override: back to the default.
      const replaced = await client<Configs>('alter_configs', {
        name: 'big',
        configs: { 'retention.ms': '86400000' },
      });
      assert.equal(replaced.error_code, 0, JSON.stringify(replaced));
      const bigAfter = await client<Configs>('describe_configs', { name: 'big' });
      assert.deepEqual(
        [entry(bigAfter, 'retention.ms').value, entry(bigAfter, 'retention.ms').source],
        ['86400000', DYNAMIC_TOPIC_CONFIG],
      );
      assert.deepEqual(
        [entry(bigAfter, 'max.message.bytes').value, entry(bigAfter, 'max.message.bytes').source],
        ['1048588', DEFAULT_CONFIG],
      );
      assert.equal((await tenMb('big')).results[0]?.code, MESSAGE_TOO_LARGE);

      // Bad input gets Kafka's error codes.
      for (const configs of [{ 'no.such.config': '1' }, { 'max.message.bytes': 'lots' }]) {
        const refused = await client<Configs>('alter_configs', { name: 'small', configs });
        assert.equal(refused.error_code, INVALID_CONFIG, JSON.stringify(refused));
      }
      const unknown = await client<Configs>('describe_configs', { name: 'no-such-topic' });
      assert.equal(unknown.error_code, UNKNOWN_TOPIC_OR_PARTITION, JSON.stringify(unknown));
    });

    it("describes the broker's configs", async () => {
      const configs = await client<Configs>('describe_configs', {
        resource: 'broker',
        name: String(broker.nodeId),
      });
      assert.equal(configs.error_code, 0);
      assert.equal(configs.configs['message.max.bytes']?.value, '1048588');
      assert.equal(configs.configs['log.dirs']?.value, dir);
    });

    it('deletes the records before an offset', async () => {
      const offsets = { 1: 3 };
      const deleted = matrix.deleteRecords
        ? await client<DeletedRecords>('delete_records', { topic: 'matrix', offsets })
        : await deleteRecordsWithKafkaJs(broker.bootstrap, 'matrix', offsets);
      assert.deepEqual(deleted.partitions, { 1: { low_watermark: 3, error_code: 0 } });
      const offsetsAfter = await client<Offsets>('list_offsets', {
        topic: 'matrix',
        partitions: all(PARTITIONS),
      });
      assert.deepEqual(offsetsAfter.earliest, { 0: 0, 1: 3, 2: 0 });
      const { records } = await client<Consumed>('consume', { topic: 'matrix', partitions: [1] });
      assert.deepEqual(records, sent.get(1)!.slice(3));
      if (matrix.deleteRecords) {
        const beyond = await client<DeletedRecords>('delete_records', {
          topic: 'matrix',
          offsets: { 0: sent.get(0)!.length + 1 },
        });
        assert.equal(beyond.partitions['0']?.error_code, OFFSET_OUT_OF_RANGE);
      }
    });

    it('adds partitions to a topic, and refuses to shrink it', async () => {
      const added = await client<{ error: string | null }>('create_partitions', {
        topic: 'matrix',
        count: 5,
      });
      assert.equal(added.error, null, JSON.stringify(added));
      const described = await client<{ partitions: { partition: number }[] }>('describe_topic', {
        topic: 'matrix',
      });
      assert.deepEqual(
        described.partitions.map((p) => p.partition),
        [0, 1, 2, 3, 4],
      );
      const { results } = await client<Produced>('produce', {
        topic: 'matrix',
        records: [
          { key: 'new', value: 'in a new partition', headers: [], partition: 4, timestamp: Date.now() },
        ],
      });
      assert.deepEqual(
        results.map((r) => [r.partition, r.offset, r.error]),
        [[4, 0, undefined]],
      );
      const shrink = await client<{ code?: number }>('create_partitions', { topic: 'matrix', count: 4 });
      assert.equal(shrink.code, INVALID_PARTITIONS, JSON.stringify(shrink));
    });

    it('deletes a topic, which then is gone and can be created anew', async () => {
      const deleted = await client<{ error: string | null }>('delete_topic', { topic: 'matrix' });
      assert.equal(deleted.error, null, JSON.stringify(deleted));
      const { topics } = await client<{ topics: string[] }>('list_topics', {});
      assert.ok(!topics.includes('matrix'), topics.join(', '));
      const again = await client<{ code?: number }>('delete_topic', { topic: 'matrix' });
      assert.equal(again.code, UNKNOWN_TOPIC_OR_PARTITION, JSON.stringify(again));
      const created = await client<{ error: string | null }>('create_topic', {
        topic: 'matrix',
        partitions: 1,
      });
      assert.equal(created.error, null, JSON.stringify(created));
      const offsets = await client<Offsets>('list_offsets', { topic: 'matrix', partitions: [0] });
      assert.deepEqual(offsets.latest, { 0: 0 });
    });

    it('sent the Kafka requests this client version is known to use', (t) => {
      t.diagnostic(`${matrix.client} sent: ${[...requests].sort().join(', ')}`);
      for (const request of matrix.expectedRequests) assert.ok(requests.has(request), request);
    });
  });
}
