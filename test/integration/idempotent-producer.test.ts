// A KafkaJS 2.2.4 idempotent producer (idempotent: true, retries) streams acks=all sends to two
// partitions of a real `pyralog start` process while the test stops it with SIGTERM and kills it
// twice with SIGKILL, restarting it each time on the same port and log dir; the producer keeps its
// producer id and sequences across the outages, retrying what was unanswered. kcat then reads each
// partition: every value appears exactly once and in send order (no duplicate, no gap). Raw
// InitProducerId requests before and after each SIGKILL show that no producer id is handed out twice.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, ErrorCode } from '../../src/protocol/index.js';
import { killPyralog, type PyralogProcess, startPyralog, stopPyralog } from './pyralog-process.js';
import { consumeWithKcat } from './restart-records.js';

const TOPIC = 'idempotent';
/** Sends of two records each (one per partition). */
const SENDS = 240;

function portOf(bootstrap: string): number {
  return Number(bootstrap.slice(bootstrap.lastIndexOf(':') + 1));
}

/** InitProducerId for an idempotent producer over a raw connection; the id it got. */
async function initProducerId(port: number): Promise<bigint> {
  const connection = await KafkaConnection.connect({ host: '127.0.0.1', port });
  try {
    const response = await connection.request(ApiKey.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60_000,
      producerId: -1n,
      producerEpoch: -1,
    });
    assert.equal(response.errorCode, ErrorCode.NONE);
    assert.equal(response.producerEpoch, 0);
    return response.producerId;
  } finally {
    await connection.close();
  }
}

/** Resolves waiters once a counter reaches their target (no polling). */
class Progress {
  count = 0;
  private waiters: { readonly target: number; readonly resolve: () => void }[] = [];

  advance(): void {
    this.count += 1;
    this.waiters = this.waiters.filter((waiter) => {
      if (this.count < waiter.target) return true;
      waiter.resolve();
      return false;
    });
  }

  reached(target: number): Promise<void> {
    if (this.count >= target) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ target, resolve }));
  }
}

describe('KafkaJS idempotent producer across broker restarts (real process)', () => {
  let dir: string | undefined;
  let broker: PyralogProcess | undefined;
  after(async () => {
    if (broker !== undefined) await killPyralog(broker);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('delivers every record exactly once through SIGTERM and SIGKILL restarts and never reuses a producer id', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-idempotence-'));
    const dataDir = join(dir, 'data');
    broker = await startPyralog(dataDir);
    const port = portOf(broker.bootstrap);
    const restart = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
      if (signal === 'SIGTERM') assert.equal(await stopPyralog(broker!), 0);
      else await killPyralog(broker!);
      broker = await startPyralog(dataDir, ['--override', `listeners=PLAINTEXT://127.0.0.1:${port}`]);
      assert.equal(portOf(broker.bootstrap), port);
    };

    const kafka = new kafkajs.Kafka({
      brokers: [`127.0.0.1:${port}`],
      logLevel: kafkajs.logLevel.NOTHING,
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 100 },
    });
    const admin = kafka.admin();
    await admin.connect();
    assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] }), true);
    await admin.disconnect();

    const handedOut: bigint[] = [await initProducerId(port)];
    const producer = kafka.producer({
      idempotent: true,
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 100 },
    });
    await producer.connect();
    const progress = new Progress();
    const sending = (async () => {
      for (let index = 0; index < SENDS; index += 1) {
        await producer.send({
          topic: TOPIC,
          acks: -1,
          messages: [
            { partition: 0, value: `p0-${index}` },
            { partition: 1, value: `p1-${index}` },
          ],
        });
        progress.advance();
      }
    })();
    sending.catch(() => {});

    await progress.reached(40);
    await restart('SIGTERM');
    const snapshots = (await readdir(join(dataDir, `${TOPIC}-0`))).filter((name) =>
      name.endsWith('.snapshot'),
    );
    assert.ok(
      snapshots.some((name) => /^\d{20}\.snapshot$/.test(name)),
      `a clean shutdown leaves a producer snapshot: ${snapshots.join()}`,
    );
    await progress.reached(100);
    handedOut.push(await initProducerId(port));
    await restart('SIGKILL');
    const afterFirstKill = await initProducerId(port);
    assert.ok(
      handedOut.every((id) => afterFirstKill > id),
      `${afterFirstKill} after SIGKILL, before: ${handedOut}`,
    );
    handedOut.push(afterFirstKill);
    await progress.reached(170);
    await restart('SIGKILL');
    const afterSecondKill = await initProducerId(port);
    assert.ok(
      handedOut.every((id) => afterSecondKill > id),
      `${afterSecondKill} after SIGKILL, before: ${handedOut}`,
    );
    await sending;
    await producer.disconnect();

    for (const partition of [0, 1]) {
      const values = (await consumeWithKcat(`127.0.0.1:${port}`, TOPIC, partition)).map(
        (record) => record.value,
      );
      const expected = Array.from({ length: SENDS }, (_, index) => `p${partition}-${index}`);
      assert.deepEqual(values, expected, `partition ${partition}`);
    }
  });
});
