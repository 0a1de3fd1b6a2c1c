// Exactly-once consume-transform-produce with confluent-kafka-python 1.7.0 (librdkafka 2.0.2) against a
// real `pyralog start` process that is SIGKILLed and restarted three times while the loop runs
// (test/integration/python/confluent_eos.py: transactional producer + send_offsets_to_transaction,
// read_committed consumer). A proxy keeps the advertised address stable across restarts. KafkaJS then
// reads the output topic with read_committed: every input record appears exactly once, and the records
// of each key are in input order.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { killPyralog, type PyralogProcess, startPyralog } from '../../tools/pyralog-process.js';
import { kafkaClient, withAdmin } from './kafkajs-client.js';
import { ResponseDroppingProxy } from './response-dropping-proxy.js';

const TOTAL = Number(process.env['PYRALOG_EOS_RECORDS'] ?? 100_000);
const KEYS = 50;
const PARTITIONS = 3;
const KILL_AT = [0.2, 0.45, 0.7].map((f) => Math.floor(TOTAL * f));
const SCRIPT = fileURLToPath(new URL('./python/confluent_eos.py', import.meta.url));

interface EosAnswer {
  readonly committed: number;
  readonly aborted: number;
  readonly recreated: number;
}

/** Runs the EOS loop; `onProgress` gets the committed count after each transaction. */
function runEosLoop(
  request: Record<string, unknown>,
  onProgress: (committed: number) => void,
): { answer: Promise<EosAnswer>; kill: () => void } {
  const child = spawn('/usr/bin/python3', [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8_000);
  });
  let final: EosAnswer | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('progress ')) onProgress(Number(line.slice('progress '.length)));
    else if (line.startsWith('{')) final = JSON.parse(line) as EosAnswer;
  });
  const answer = new Promise<EosAnswer>((resolve, reject) => {
    child.once('exit', (code, signal) => {
      if (code === 0 && final !== undefined) resolve(final);
      else reject(new Error(`confluent_eos.py exited ${code ?? signal}: ${stderr}`));
    });
  });
  child.stdin.end(JSON.stringify(request));
  return { answer, kill: () => child.kill('SIGKILL') };
}

describe('confluent-kafka-python exactly-once loop across broker SIGKILLs', () => {
  let dir: string | undefined;
  let broker: PyralogProcess | undefined;
  let proxy: ResponseDroppingProxy | undefined;
  let killLoop: (() => void) | undefined;
  after(async () => {
    killLoop?.();
    if (broker !== undefined) await killPyralog(broker);
    await proxy?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it(`processes ${TOTAL} records exactly once, in order per key`, { timeout: 900_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-eos-'));
    const dataDir = join(dir, 'data');
    let brokerPort = 0;
    proxy = await ResponseDroppingProxy.start(() => brokerPort);
    const args = [
      '--override',
      `advertised.listeners=PLAINTEXT://127.0.0.1:${proxy.port}`,
      '--override',
      'group.initial.rebalance.delay.ms=0',
      '--override',
      'offsets.topic.num.partitions=3',
      '--override',
      'transaction.state.log.num.partitions=3',
    ];
    const start = async (): Promise<void> => {
      broker = await startPyralog(dataDir, args);
      const listening = broker
        .output()
        .split('\n')
        .find((line) => line.includes('"msg":"listening"'));
      assert.ok(listening !== undefined, broker.output());
      brokerPort = (JSON.parse(listening) as { port: number }).port;
    };
    await start();
    const bootstrap = `127.0.0.1:${proxy.port}`;
    const kafka = kafkaClient(bootstrap, 'eos-setup', 10);
    await withAdmin(kafka, (admin) =>
      admin.createTopics({
        topics: [
          { topic: 'eos-in', numPartitions: PARTITIONS },
          { topic: 'eos-out', numPartitions: PARTITIONS },
        ],
      }),
    );
    const input = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await input.connect();
    const sequence = new Array<number>(KEYS).fill(0);
    for (let sent = 0; sent < TOTAL; sent += 2_000) {
      const messages = [];
      for (let i = sent; i < Math.min(TOTAL, sent + 2_000); i++) {
        const key = i % KEYS;
        messages.push({ key: `k${key}`, value: `k${key}-${sequence[key]}`, partition: key % PARTITIONS });
        sequence[key] = (sequence[key] ?? 0) + 1;
      }
      await input.send({ topic: 'eos-in', acks: -1, messages });
    }
    await input.disconnect();

    let kills = 0;
    let restarting: Promise<void> = Promise.resolve();
    const loop = runEosLoop(
      {
        bootstrap,
        input: 'eos-in',
        output: 'eos-out',
        group: 'eos-group',
        transactional_id: 'eos-tx',
        total: TOTAL,
        partitions: PARTITIONS,
        batch: 500,
        timeout_s: 800,
      },
      (committed) => {
        const next = KILL_AT[kills];
        if (next === undefined || committed < next) return;
        kills += 1;
        restarting = restarting.then(async () => {
          await killPyralog(broker!);
          await start();
        });
      },
    );
    killLoop = loop.kill;
    const answer = await loop.answer;
    await restarting;
    assert.equal(kills, KILL_AT.length, 'the broker was SIGKILLed and restarted three times');
    assert.equal(answer.committed, TOTAL);

    const consumer = kafkaClient(bootstrap, 'eos-check', 10).consumer({
      groupId: 'eos-check',
      readUncommitted: false,
      maxBytes: 10 << 20,
    });
    const seen = new Map<string, number[]>();
    let count = 0;
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'eos-out', fromBeginning: true });
      await consumer.run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            const value = message.value?.toString() ?? '';
            const [key, rest] = value.split('-') as [string, string];
            seen.set(key, [...(seen.get(key) ?? []), Number.parseInt(rest, 10)]);
            count += 1;
          }
          if (count >= TOTAL) done();
        },
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        finished,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`read only ${count} of ${TOTAL}`)), 120_000);
        }),
      ]).finally(() => clearTimeout(timer));
    } finally {
      await consumer.disconnect();
    }
    assert.equal(count, TOTAL, 'no duplicate in the output');
    for (let key = 0; key < KEYS; key++) {
      const expected = Array.from({ length: sequence[key] ?? 0 }, (_, i) => i);
      assert.deepEqual(seen.get(`k${key}`), expected, `k${key}: each input once, in order`);
    }
  });
});
