// The real `pyralog start` process, bundled as `npm run build` ships it (the CommonJS bundle run by
// the launcher through a vm.Script), with a port-0 listener, a temp log dir, a --config file and a
// PYRALOG_* override; the test waits for its ready log line, scrapes its admin listener, drives it
// with KafkaJS and kcat, stops it with SIGTERM (clean exit) and starts it again on the same dir to
// find topics and records there.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import { ROOT } from '../../tools/build/bundles.js';
import { type PyralogProcess, startPyralog, stopPyralog } from '../../tools/pyralog-process.js';
import { bundleCli, type CliBundle } from './cli-bundle.js';
import { readPartitionArgs } from './kcat-run.js';

const run = promisify(execFile);

describe('pyralog start (real process)', () => {
  let dir: string;
  let properties: string;
  let broker: PyralogProcess | undefined;
  let cli: CliBundle;
  before(async () => {
    cli = await bundleCli('cli-process');
    dir = await mkdtemp(join(tmpdir(), 'pyralog-cli-'));
    properties = join(dir, 'server.properties');
    await writeFile(properties, 'num.partitions=5\nauto.create.topics.enable=true\n');
  });
  after(async () => {
    if (broker !== undefined && broker.child.exitCode === null) broker.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    await cli.remove();
  });

  it('serves KafkaJS and kcat, stops cleanly on SIGTERM and keeps data across a restart', async () => {
    // PYRALOG_NUM_PARTITIONS (env) beats num.partitions=5 from --config.
    broker = await startPyralog(
      join(dir, 'data'),
      ['--config', properties],
      { PYRALOG_NUM_PARTITIONS: '2' },
      [cli.path],
    );
    assert.ok(broker.readyMs >= 0);
    // The admin listener answers from the bundle too: /metrics loads prom-client lazily (require()
    // in the bundle, since a vm.Script has no loader for import()).
    const ready = await fetch(`${broker.adminUrl}/ready`);
    assert.equal(ready.status, 200, await ready.text());
    const metrics = await fetch(`${broker.adminUrl}/metrics`);
    const exposition = await metrics.text();
    assert.equal(metrics.status, 200, exposition);
    assert.match(exposition, /^# HELP /m);
    const kafka = new kafkajs.Kafka({ brokers: [broker.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
    // The producer's Metadata request auto-creates the topic with num.partitions from PYRALOG_NUM_PARTITIONS.
    const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: 'auto',
      acks: -1,
      messages: [
        { key: 'a', value: 'one', partition: 0 },
        { key: 'b', value: 'two', partition: 0 },
      ],
    });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: ['auto'] });
    assert.equal(metadata.topics[0]?.partitions.length, 2);
    await admin.disconnect();
    assert.equal(await stopPyralog(broker), 0);

    broker = await startPyralog(join(dir, 'data'), ['--config', properties], {}, [cli.path]);
    const { stdout } = await run('kcat', readPartitionArgs(broker.bootstrap, 'auto', '%k=%s\\n'), {
      timeout: 20_000,
    });
    assert.deepEqual(stdout.trim().split('\n'), ['a=one', 'b=two']);
    // Without the environment override, auto-creation takes num.partitions=5 from the file.
    const again = new kafkajs.Kafka({ brokers: [broker.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
    const producer2 = again.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer2.connect();
    await producer2.send({ topic: 'auto5', messages: [{ value: 'x' }] });
    await producer2.disconnect();
    const admin2 = again.admin();
    await admin2.connect();
    const described = await admin2.fetchTopicMetadata({ topics: ['auto5', 'auto'] });
    await admin2.disconnect();
    assert.deepEqual(described.topics.map((t) => [t.name, t.partitions.length]).sort(), [
      ['auto', 2],
      ['auto5', 5],
    ]);
    assert.equal(await stopPyralog(broker), 0);
  });

  it('stops cleanly on a SIGTERM sent the moment its ready line arrives', async () => {
    broker = await startPyralog(join(dir, 'signalled'), [], {}, [cli.path]);
    assert.equal(await stopPyralog(broker), 0);
    assert.match(broker.output(), /"msg":"stopped"/);
  });

  it('lists every command in its help, `start` included, though `start` registers only itself', async () => {
    const help = await cli.run('--help');
    assert.equal(help.code, 0, help.stderr);
    for (const command of ['start', 'topic', 'config', 'group', 'produce', 'consume', 'bench'])
      assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'), help.stdout);
    const startHelp = await cli.run('start', '--help');
    assert.equal(startHelp.code, 0, startHelp.stderr);
    assert.match(startHelp.stdout, /^Usage: pyralog start \[options\]/m);
    assert.match(startHelp.stdout, /--log-dirs <dirs>/);
  });

  it('runs from its ES module entry too (`node dist/pyralog.js`)', async () => {
    const { stdout } = await run(process.execPath, [cli.path.replace(/-launcher\.cjs$/, '.js'), '--version']);
    assert.equal(stdout.trim(), JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('carries commander and pino inside the ASCII bundle, with their licenses beside it', async () => {
    const bundle = await readFile(cli.path.replace(/-launcher\.cjs$/, '.cjs'), 'utf8');
    assert.doesNotMatch(bundle, /require\("(commander|pino)"\)/);
    assert.match(bundle, /require\("@node-rs\/crc32"\)/);
    // ASCII only, so that V8 holds it one byte per character and the launcher reads it as Latin-1.
    assert.doesNotMatch(bundle, /[\u0080-\uffff]/);
    const licenses = await readFile(cli.path.replace(/-launcher\.cjs$/, '.cjs.LICENSES.txt'), 'utf8');
    for (const name of ['commander', 'pino', 'sonic-boom'])
      assert.match(licenses, new RegExp(`^${name}\n-+\n.*(MIT|Copyright)`, 'ms'));
  });
});
