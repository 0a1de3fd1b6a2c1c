// A KafkaJS 2.2.4 idempotent producer (idempotent: true, retries) streams acks=all sends to two
// partitions of a real `pyralog start` process behind a proxy that can swallow a Produce response.
// Three times the proxy drops the answer to a batch the broker has appended and cuts the connection,
// so KafkaJS retries that batch with the same producer id and sequence: once into a broker restarted
// after SIGTERM (state from the clean-shutdown snapshot), once into one restarted after SIGKILL
// (state rebuilt from the log), once into the same process. kcat then reads each partition: every
// value appears exactly once and in send order (no duplicate, no gap). Raw InitProducerId requests
// before and after each SIGKILL show that no producer id is handed out twice.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, ErrorCode } from '../../src/protocol/index.js';
import { killPyralog, type PyralogProcess, startPyralog, stopPyralog } from '../../tools/pyralog-process.js';
import { ResponseDroppingProxy } from './response-dropping-proxy.js';
import { consumeWithKcat } from './restart-records.js';

const TOPIC = 'idempotent';
/** Sends of two records each (one per partition). */
const SENDS = 240;

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

/** Resolves waiters once a counter reaches their target (no polling); rejects them once the sender fails. */
class Progress {
  count = 0;
  private failure: unknown;
  private waiters: {
    readonly target: number;
    readonly resolve: () => void;
    readonly reject: (error: unknown) => void;
  }[] = [];

  advance(): void {
    this.count += 1;
    this.waiters = this.waiters.filter((waiter) => {
      if (this.count < waiter.target) return true;
      waiter.resolve();
      return false;
    });
  }

  fail(error: unknown): void {
    this.failure = error;
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters = [];
  }

  reached(target: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.count >= target) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ target, resolve, reject }));
  }
}

describe('KafkaJS idempotent producer across broker restarts (real process)', () => {
  let dir: string | undefined;
  let broker: PyralogProcess | undefined;
  let proxy: ResponseDroppingProxy | undefined;
  after(async () => {
    if (broker !== undefined) await killPyralog(broker);
    await proxy?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('delivers every record exactly once through lost answers, SIGTERM and SIGKILL restarts, and never reuses a producer id', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-idempotence-'));
    const dataDir = join(dir, 'data');
    let brokerPort = 0;
    proxy = await ResponseDroppingProxy.start(() => brokerPort);
    const advertised = ['--override', `advertised.listeners=PLAINTEXT://127.0.0.1:${proxy.port}`];
    const start = async (): Promise<void> => {
      broker = await startPyralog(dataDir, advertised);
      // The ready line names the advertised (proxy) address; the bound port is in the listening line.
      const listening = broker
        .output()
        .split('\n')
        .find((line) => line.includes('"msg":"listening"'));
      assert.ok(listening !== undefined, broker.output());
      brokerPort = (JSON.parse(listening) as { port: number }).port;
    };
    await start();
    const bootstrap = `127.0.0.1:${proxy.port}`;
    assert.equal(broker!.bootstrap, bootstrap);
    const restart = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
      if (signal === 'SIGTERM') assert.equal(await stopPyralog(broker!), 0);
      else await killPyralog(broker!);
      await start();
    };

    const kafka = new kafkajs.Kafka({
      brokers: [bootstrap],
      logLevel: kafkajs.logLevel.NOTHING,
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 100 },
    });
    const admin = kafka.admin();
    await admin.connect();
    assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] }), true);
    await admin.disconnect();

    const handedOut: bigint[] = [await initProducerId(proxy.port)];
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
    sending.catch((error: unknown) => progress.fail(error));

    await progress.reached(40);
    await proxy.dropNextProduceResponse({ hold: true });
    await restart('SIGTERM');
    proxy.release();
    const snapshots = (await readdir(join(dataDir, `${TOPIC}-0`))).filter((name) =>
      name.endsWith('.snapshot'),
    );
    assert.ok(
      snapshots.some((name) => /^\d{20}\.snapshot$/.test(name)),
      `a clean shutdown leaves a producer snapshot: ${snapshots.join()}`,
    );

    await progress.reached(100);
    handedOut.push(await initProducerId(proxy.port));
    await proxy.dropNextProduceResponse({ hold: true });
    await restart('SIGKILL');
    proxy.release();
    const afterKill = await initProducerId(proxy.port);
    assert.ok(
      handedOut.every((id) => afterKill > id),
      `${afterKill} after SIGKILL, before: ${handedOut}`,
    );

    await progress.reached(170);
    await proxy.dropNextProduceResponse();
    await sending;
    await producer.disconnect();

    for (const partition of [0, 1]) {
      const values = (await consumeWithKcat(bootstrap, TOPIC, partition)).map((record) => record.value);
      const expected = Array.from({ length: SENDS }, (_, index) => `p${partition}-${index}`);
      assert.deepEqual(values, expected, `partition ${partition}`);
    }
  });
});
