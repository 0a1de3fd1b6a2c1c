// kcat (librdkafka) against startBroker on port 0 with a temp dir: metadata listing, produce with
// keys, headers and every codec, keyed, unkeyed and null-valued records spread over partitions and
// consumed back exactly, offsets by timestamp (-Q), and a 10 MB record accepted or refused by the
// broker's message.max.bytes. kcat 1.7.1 has no admin commands (no topic creation with configs,
// DescribeConfigs/AlterConfigs, DeleteRecords or DeleteTopics) and cannot set a record's timestamp,
// so those steps of the client matrix are covered by the KafkaJS and Python clients.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { type KcatError, kcat, readPartitionArgs } from './kcat-run.js';

/** One record as `kcat -C -J` prints it. */
interface KcatRecord {
  readonly partition: number;
  readonly offset: number;
  readonly tstype: string;
  readonly ts: number;
  readonly key: string | null;
  readonly payload: string | null;
  readonly headers?: readonly string[];
}

function parseRecords(output: string): KcatRecord[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as KcatRecord);
}

// kcat is required, not optional: `npm test` installs it when missing (tools/ensure-test-deps.sh).
describe('kcat against startBroker', () => {
  let dir: string;
  let broker: RunningBroker;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-kcat-'));
    broker = await startBroker({ port: 0, logDirs: [dir], config: { 'num.partitions': '3' } });
  });
  after(async () => {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('produces with every codec and consumes the records back in order', async () => {
    const expected: string[] = [];
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
      const lines = [`k-${codec}-1:${codec} one`, `k-${codec}-2:${codec} two`];
      await kcat(
        [
          '-b',
          broker.bootstrap,
          '-P',
          '-t',
          'kc',
          '-p',
          '0',
          '-K',
          ':',
          '-z',
          codec,
          '-H',
          `codec=${codec}`,
          '-X',
          'acks=all',
        ],
        `${lines.join('\n')}\n`,
      );
      for (const line of lines) expected.push(`${line.replace(':', '=')}|codec=${codec}`);
    }
    const consumed = await kcat(readPartitionArgs(broker.bootstrap, 'kc', '%k=%s|%h\\n'));
    assert.deepEqual(consumed.trim().split('\n'), expected);
  });

  it('spreads keyed, unkeyed and null-valued records over the partitions and reads them back exactly', async () => {
    // -K ':' splits key and value; a line without ':' is unkeyed; -Z makes an empty value null.
    const sent: { key: string | null; value: string | null }[] = [];
    for (let i = 0; i < 12; i += 1) {
      sent.push({ key: `key-${i}`, value: `value-${i}` });
      sent.push({ key: null, value: `unkeyed-${i}` });
      sent.push({ key: `tombstone-${i}`, value: null });
      sent.push({ key: 'same', value: `same-${i}` });
    }
    const input = sent.map((r) => (r.key === null ? r.value : `${r.key}:${r.value ?? ''}`)).join('\n');
    const before = Date.now();
    await kcat(
      ['-b', broker.bootstrap, '-P', '-t', 'spread', '-K', ':', '-Z', '-H', 'run=spread', '-X', 'acks=all'],
      `${input}\n`,
    );
    const after = Date.now();
    const consumed = parseRecords(
      await kcat(['-b', broker.bootstrap, '-C', '-t', 'spread', '-o', 'beginning', '-e', '-q', '-J']),
    );
    assert.equal(consumed.length, sent.length);
    const identity = (key: string | null, value: string | null) => JSON.stringify([key, value]);
    const partitions = new Set(consumed.map((r) => r.partition));
    assert.ok(partitions.size > 1, 'records landed in more than one partition');
    for (const partition of partitions) {
      const here = consumed.filter((r) => r.partition === partition).sort((a, b) => a.offset - b.offset);
      const identities = new Set(here.map((r) => identity(r.key, r.payload)));
      // Each partition holds its share of the records in send order, at offsets 0, 1, 2, ...
      assert.deepEqual(
        here.map((r) => [r.offset, r.key, r.payload]),
        sent
          .filter((r) => identities.has(identity(r.key, r.value)))
          .map((r, offset) => [offset, r.key, r.value]),
      );
    }
    assert.equal(new Set(consumed.filter((r) => r.key === 'same').map((r) => r.partition)).size, 1);
    for (const record of consumed) {
      assert.deepEqual(record.headers, ['run', 'spread']);
      assert.equal(record.tstype, 'create');
      assert.ok(record.ts >= before && record.ts <= after, `${record.ts} not in [${before}, ${after}]`);
    }
  });

  it('lists the broker and the auto-created topic with -L', async () => {
    const listing = JSON.parse(await kcat(['-b', broker.bootstrap, '-L', '-J'])) as {
      brokers: { id: number; name: string }[];
      topics: { topic: string; partitions: unknown[] }[];
    };
    assert.deepEqual(
      listing.brokers.map((b) => [b.id, b.name]),
      [[1, broker.bootstrap]],
    );
    assert.equal(listing.topics.find((t) => t.topic === 'kc')?.partitions.length, 3);
  });

  it('answers offsets by timestamp (-Q) and latest', async () => {
    const future = Date.now() + 3_600_000;
    const none = await kcat(['-b', broker.bootstrap, '-Q', '-t', `kc:0:${future}`]);
    assert.match(none, /offset -1/);
    const first = await kcat(['-b', broker.bootstrap, '-Q', '-t', 'kc:0:0']);
    assert.match(first, /offset 0\b/);
  });

  it('sends a 10 MB record that message.max.bytes allows, and gets MESSAGE_TOO_LARGE where it does not', async () => {
    const file = join(dir, 'ten-mb.bin');
    await writeFile(file, Buffer.alloc(10 * 1024 * 1024, 'x'));
    const produce = (bootstrap: string) =>
      kcat(['-b', bootstrap, '-P', '-t', 'big', '-p', '0', '-X', 'message.max.bytes=12000000', file]);
    const roomy = await startBroker({ port: 0, config: { 'message.max.bytes': String(11 * 1024 * 1024) } });
    try {
      await produce(roomy.bootstrap);
      const [record] = parseRecords(
        await kcat([
          '-b',
          roomy.bootstrap,
          '-C',
          '-t',
          'big',
          '-p',
          '0',
          '-o',
          'beginning',
          '-e',
          '-q',
          '-J',
        ]),
      );
      assert.equal(record?.payload, 'x'.repeat(10 * 1024 * 1024));
    } finally {
      await roomy.stop();
    }
    // This broker keeps Kafka's default limit (1 MiB); kcat's own limit is raised, so the broker refuses.
    await assert.rejects(produce(broker.bootstrap), (error: KcatError) =>
      error.stderr.includes('Broker: Message size too large'),
    );
  });
});
