// Proves how the broker configuration is resolved: the zero-configuration defaults, the precedence
// defaults < server.properties < PYRALOG_* environment < flags with each value's source remembered,
// Kafka's synonyms (log.retention.ms > minutes > hours, log.roll.ms > hours, log.dirs > log.dir),
// and validation that names key, value and source of every problem at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSynonyms } from './broker-config.js';
import { BrokerConfigError } from './broker-config-error.js';
import { configKeyOfEnv, envNameOfConfig } from './config-settings.js';
import { loadBrokerConfig } from './load-broker-config.js';

const file = (text: string) => ({ text, path: 'server.properties' });

function problemsOf(run: () => unknown): BrokerConfigError {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof BrokerConfigError) return error;
    throw error;
  }
  assert.fail('expected a BrokerConfigError');
}

describe('broker configuration', () => {
  it('starts with zero configuration: node 1, localhost:9092, ./data, auto-create on', () => {
    const config = loadBrokerConfig();
    assert.equal(config.values['node.id'], 1);
    assert.deepStrictEqual(config.listeners, [
      { name: 'PLAINTEXT', host: 'localhost', port: 9092, securityProtocol: 'PLAINTEXT' },
    ]);
    assert.equal(config.advertisedListeners, null);
    assert.equal(config.interBrokerListenerName, 'PLAINTEXT');
    assert.deepStrictEqual(config.logDirs, ['./data']);
    assert.equal(config.values['auto.create.topics.enable'], true);
    assert.equal(config.logRetentionMs, 168 * 3_600_000);
    assert.equal(config.values['pyralog.flush.mode'], 'durable');
    const entry = config.entries.get('node.id');
    assert.equal(entry?.source, 'DEFAULT_CONFIG');
    assert.equal(config.entries.get('log.flush.interval.messages')?.rawValue, '9223372036854775807');
  });

  it('applies file < env < flags, remembering where each value came from', () => {
    const config = loadBrokerConfig({
      properties: file('num.partitions=3\nnode.id=5\nlog.segment.bytes=1000\n'),
      env: { PYRALOG_NUM_PARTITIONS: '4', PYRALOG_NODE_ID: '6', HOME: '/root' },
      flags: { overrides: ['node.id=7'] },
    });
    assert.equal(config.values['log.segment.bytes'], 1000);
    assert.equal(config.values['num.partitions'], 4);
    assert.equal(config.values['node.id'], 7);
    assert.deepStrictEqual(
      ['log.segment.bytes', 'num.partitions', 'node.id'].map((key) => {
        const entry = config.entries.get(key as 'node.id');
        return [entry?.origin, entry?.where, entry?.source];
      }),
      [
        ['file', 'server.properties:3', 'STATIC_BROKER_CONFIG'],
        ['env', 'PYRALOG_NUM_PARTITIONS', 'STATIC_BROKER_CONFIG'],
        ['flag', '--override node.id', 'STATIC_BROKER_CONFIG'],
      ],
    );
  });

  it('named flags beat --override, and the last setting within a source wins', () => {
    const config = loadBrokerConfig({
      properties: file('num.partitions=2\nnum.partitions=9'),
      flags: { overrides: ['node.id=3', 'log.dirs=/a'], named: { nodeId: '4', logDirs: '/b,/c' } },
    });
    assert.equal(config.values['num.partitions'], 9);
    assert.equal(config.values['node.id'], 4);
    assert.deepStrictEqual(config.logDirs, ['/b', '/c']);
  });

  it('retention: ms beats minutes beats hours, whichever source set them', () => {
    assert.equal(loadBrokerConfig({ env: { PYRALOG_LOG_RETENTION_HOURS: '1' } }).logRetentionMs, 3_600_000);
    const minutes = loadBrokerConfig({
      properties: file('log.retention.minutes=2'),
      flags: { overrides: ['log.retention.hours=1'] },
    });
    assert.equal(minutes.logRetentionMs, 120_000);
    const ms = loadBrokerConfig({ properties: file('log.retention.ms=5\nlog.retention.minutes=2') });
    assert.equal(ms.logRetentionMs, 5);
    assert.equal(loadBrokerConfig({ properties: file('log.retention.ms=-1') }).logRetentionMs, -1);
    assert.deepStrictEqual(configSynonyms(minutes, 'log.retention.ms'), [
      { name: 'log.retention.minutes', value: '2', source: 'STATIC_BROKER_CONFIG' },
      { name: 'log.retention.hours', value: '1', source: 'STATIC_BROKER_CONFIG' },
      { name: 'log.retention.hours', value: '168', source: 'DEFAULT_CONFIG' },
    ]);
  });

  it('roll: log.roll.ms beats log.roll.hours; log.dirs beats log.dir', () => {
    assert.equal(loadBrokerConfig({ properties: file('log.roll.hours=2') }).logRollMs, 7_200_000);
    assert.equal(loadBrokerConfig({ properties: file('log.roll.hours=2\nlog.roll.ms=10') }).logRollMs, 10);
    assert.deepStrictEqual(loadBrokerConfig({ properties: file('log.dir=/x') }).logDirs, ['/x']);
    assert.deepStrictEqual(loadBrokerConfig({ properties: file('log.dir=/x\nlog.dirs=/y, /z') }).logDirs, [
      '/y',
      '/z',
    ]);
  });

  it('maps environment names to keys and back', () => {
    assert.equal(configKeyOfEnv('PYRALOG_LOG_DIRS'), 'log.dirs');
    assert.equal(configKeyOfEnv('PYRALOG_MY__KEY'), 'my_key');
    assert.equal(configKeyOfEnv('PYRALOG_A___B'), 'a-b');
    assert.equal(configKeyOfEnv('KAFKA_LOG_DIRS'), undefined);
    assert.equal(configKeyOfEnv('PYRALOG_'), undefined);
    for (const key of ['log.dirs', 'pyralog.flush.mode', 'my_key.x-y'])
      assert.equal(configKeyOfEnv(envNameOfConfig(key)), key);
  });

  it('keeps unknown keys with a warning instead of failing', () => {
    const config = loadBrokerConfig({ properties: file('zookeeper.connect=localhost:2181') });
    assert.equal(config.unknown[0]?.key, 'zookeeper.connect');
    assert.match(config.warnings[0] ?? '', /zookeeper\.connect/);
  });

  it('parses typed values: booleans in any case, lists, enumerations, ranges', () => {
    const config = loadBrokerConfig({
      properties: file(
        'auto.create.topics.enable=FALSE\nlog.cleanup.policy=compact, delete\ncompression.type=zstd',
      ),
    });
    assert.equal(config.values['auto.create.topics.enable'], false);
    assert.deepStrictEqual(config.values['log.cleanup.policy'], ['compact', 'delete']);
    assert.equal(config.values['compression.type'], 'zstd');
  });

  it('reports every problem at once, each with key, value and source', () => {
    const error = problemsOf(() =>
      loadBrokerConfig({
        properties: file('node.id=abc\nnum.partitions=0\nlog.cleanup.policy=shred'),
        env: { PYRALOG_AUTO_CREATE_TOPICS_ENABLE: 'yes' },
        flags: { overrides: ['message.max.bytes=99999999999', 'nonsense'] },
      }),
    );
    const summary = error.problems.map((p) => `${p.key}|${p.value}|${p.origin}|${p.where}`).sort();
    assert.deepStrictEqual(summary, [
      '--override|nonsense|flag|--override',
      'auto.create.topics.enable|yes|env|PYRALOG_AUTO_CREATE_TOPICS_ENABLE',
      'log.cleanup.policy|shred|file|server.properties:3',
      'message.max.bytes|99999999999|flag|--override message.max.bytes',
      'node.id|abc|file|server.properties:1',
      'num.partitions|0|file|server.properties:2',
    ]);
    assert.equal(error.code, 'INVALID_BROKER_CONFIG');
    assert.match(error.message, /6 problems/);
    assert.match(error.message, /node\.id="abc" \(from file server\.properties:1\): expected an int/);
  });

  it('checks listeners, advertised listeners and the names that refer to them', () => {
    const error = problemsOf(() =>
      loadBrokerConfig({
        properties: file(
          [
            'listeners=PLAINTEXT://:9092,INTERNAL://:9093',
            'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
            'advertised.listeners=PLAINTEXT://0.0.0.0:9092,OTHER://h:1',
            'inter.broker.listener.name=MISSING',
            'controller.listener.names=CONTROLLER',
          ].join('\n'),
        ),
      }),
    );
    assert.deepStrictEqual(error.problems.map((p) => p.key).sort(), [
      'advertised.listeners',
      'controller.listener.names',
      'inter.broker.listener.name',
    ]);
    const advertised = problemsOf(() =>
      loadBrokerConfig({ properties: file('advertised.listeners=PLAINTEXT://0.0.0.0:9092') }),
    );
    assert.match(advertised.problems[0]?.message ?? '', /clients cannot reach/);
    const ok = loadBrokerConfig({
      properties: file(
        'listeners=PLAINTEXT://:0,INTERNAL://127.0.0.1:0\nlistener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT\ninter.broker.listener.name=internal',
      ),
    });
    assert.equal(ok.interBrokerListenerName, 'INTERNAL');
    assert.equal(ok.listeners[0]?.port, 0);
    const badInterBroker = problemsOf(() =>
      loadBrokerConfig({ properties: file('inter.broker.listener.name=NOPE') }),
    );
    assert.deepStrictEqual(
      badInterBroker.problems.map((p) => p.key),
      ['inter.broker.listener.name'],
    );
  });

  it('checks relations between keys', () => {
    const error = problemsOf(() =>
      loadBrokerConfig({
        properties: file('group.min.session.timeout.ms=10\ngroup.max.session.timeout.ms=5'),
      }),
    );
    assert.deepStrictEqual(
      error.problems.map((p) => p.key),
      ['group.min.session.timeout.ms'],
    );
  });

  it('reports a properties syntax error as a problem of the file', () => {
    const error = problemsOf(() =>
      loadBrokerConfig({ properties: file('a=\\uZZ'), flags: { overrides: ['x'] } }),
    );
    assert.deepStrictEqual(
      error.problems.map((p) => p.where),
      ['server.properties:1', '--override'],
    );
  });
});
