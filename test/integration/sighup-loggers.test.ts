// A real `pyralog start --config server.properties` process: SIGHUP re-reads the file, applies the
// changed dynamic keys live (a raised message.max.bytes lets a larger record in at once; DescribeConfigs
// shows the new value), logs each change and names the read-only keys that wait for a restart;
// a file with a bad value changes nothing. Request-level debug logging is switched on and off at
// runtime through PUT /v1/loggers/request on the admin listener.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { eventually } from '../../src/testing/index.js';
import { type PyralogProcess, startPyralog, stopPyralog } from '../../tools/pyralog-process.js';
import { kafkaClient, withAdmin } from './kafkajs-client.js';

let dir: string;
let properties: string;
let broker: PyralogProcess;

interface LogLine {
  readonly msg?: string;
  readonly component?: string;
  readonly key?: string;
  readonly from?: string | null;
  readonly to?: string | null;
  readonly api?: string;
}

function lines(): LogLine[] {
  return broker
    .output()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

/** Polls the process's log until `match` finds a line after the first `skip` lines (10 s deadline). */
async function waitForLine(skip: number, match: (line: LogLine) => boolean): Promise<LogLine> {
  try {
    return await eventually('a matching log line', () => lines().slice(skip).find(match), { intervalMs: 20 });
  } catch (error: unknown) {
    throw new Error(`${String(error)}; output:\n${broker.output()}`);
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pyralog-sighup-'));
  properties = join(dir, 'server.properties');
  await writeFile(properties, 'message.max.bytes=2000\nlog.retention.ms=604800000\nnum.partitions=1\n');
  broker = await startPyralog(join(dir, 'data'), ['--config', properties]);
});

after(async () => {
  if (broker !== undefined) await stopPyralog(broker);
  await rm(dir, { recursive: true, force: true });
});

async function produce(kafka: kafkajs.Kafka, bytes: number): Promise<string> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: 'reloaded', acks: -1, messages: [{ value: Buffer.alloc(bytes, 1) }] });
    return 'ok';
  } catch (error: unknown) {
    const typed = error as Error & { type?: string; cause?: { type?: string } };
    return typed.cause?.type ?? typed.type ?? String(error);
  } finally {
    await producer.disconnect();
  }
}

test('SIGHUP applies changed dynamic keys live and logs them; read-only changes wait for a restart', async () => {
  const kafka = kafkaClient(broker.bootstrap, 'sighup-test', 0);
  await withAdmin(kafka, (admin) => admin.createTopics({ topics: [{ topic: 'reloaded' }] }));
  assert.equal(await produce(kafka, 3000), 'MESSAGE_TOO_LARGE');

  await writeFile(properties, 'message.max.bytes=100000\nnum.partitions=4\n');
  const skip = lines().length;
  broker.child.kill('SIGHUP');
  await waitForLine(skip, (l) => l.msg?.startsWith('SIGHUP: re-read') === true);
  const changes = lines()
    .slice(skip)
    .filter((l) => l.component === 'config')
    .map((l) => [l.key, l.from, l.to]);
  assert.deepEqual(changes, [
    ['log.retention.ms', '604800000', null],
    ['message.max.bytes', '2000', '100000'],
    ['num.partitions', '1', '4'],
  ]);
  const restart = lines()
    .slice(skip)
    .find((l) => l.key === 'num.partitions');
  assert.match(restart?.msg ?? '', /next start/);

  assert.equal(await produce(kafka, 3000), 'ok');
  const described = await withAdmin(kafka, (admin) =>
    admin.describeConfigs({
      resources: [
        { type: kafkajs.ConfigResourceTypes.BROKER, name: '1', configNames: ['message.max.bytes'] },
      ],
      includeSynonyms: false,
    }),
  );
  assert.equal(described.resources[0]?.configEntries[0]?.configValue, '100000');
});

test('a re-read file with a bad value changes nothing and says why', async () => {
  await writeFile(properties, 'message.max.bytes=lots\n');
  const skip = lines().length;
  broker.child.kill('SIGHUP');
  const refused = await waitForLine(skip, (l) => l.msg?.includes('not applied') === true);
  assert.match(refused.msg ?? '', /message\.max\.bytes/);
  const kafka = kafkaClient(broker.bootstrap, 'sighup-test-2', 0);
  assert.equal(await produce(kafka, 3000), 'ok');
});

test('PUT /v1/loggers/request turns request-level debug logging on and off at runtime', async () => {
  const put = async (component: string, body: string): Promise<{ status: number; json: unknown }> => {
    const response = await fetch(`${broker.adminUrl}/v1/loggers/${component}`, { method: 'PUT', body });
    return { status: response.status, json: await response.json() };
  };
  const kafka = kafkaClient(broker.bootstrap, 'loggers-test', 0);
  const listTopics = () => withAdmin(kafka, (admin) => admin.listTopics());
  let skip = lines().length;
  await listTopics();
  assert.equal(
    lines()
      .slice(skip)
      .filter((l) => l.component === 'request').length,
    0,
  );

  assert.deepEqual(await put('request', '{"level":"debug"}'), {
    status: 200,
    json: { component: 'request', level: 'debug' },
  });
  skip = lines().length;
  await listTopics();
  const logged = await waitForLine(skip, (l) => l.component === 'request' && l.api === 'Metadata');
  assert.equal(logged.msg, 'request');

  assert.equal((await put('request', '{"level":"info"}')).status, 200);
  const levels = (await (await fetch(`${broker.adminUrl}/v1/loggers`)).json()) as Record<string, string>;
  assert.equal(levels.request, 'info');
  assert.equal((await put('nope', '{"level":"debug"}')).status, 404);
  assert.equal((await put('request', '{"level":"loud"}')).status, 400);
});
