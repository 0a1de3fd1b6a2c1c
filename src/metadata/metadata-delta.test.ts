// Proves that replaying record sequences (topics with partitions, ISR and leader changes, deletion,
// configs set and deleted, broker register/fence/unfence) gives the expected images, that untouched
// parts are shared with the base image, and that contradicting records are typed errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigResourceType, configResourceKey } from './config-resource.js';
import { MetadataReplayError } from './metadata-errors.js';
import { rec, replay, testUuid } from './metadata-fixtures.js';
import { emptyMetadataImage, metadataVersionOf } from './metadata-image.js';
import type { MetadataRecord } from './metadata-record.js';

const A = testUuid(1);
const B = testUuid(2);

const empty = emptyMetadataImage('cluster-1');
const withTopic = replay(empty, [
  rec.featureLevel('metadata.version', 20),
  rec.topic('orders', A),
  rec.partition(A, 0, [1, 2, 3]),
  rec.partition(A, 1, [2, 3, 1]),
  rec.partition(A, 2, [3, 1, 2]),
]);

describe('MetadataDelta', () => {
  it('creates a topic with three partitions, findable by name and id', () => {
    assert.equal(metadataVersionOf(withTopic), 20);
    const topic = withTopic.topicsByName.get('orders');
    assert.ok(topic !== undefined);
    assert.equal(withTopic.topicsById.get(A), topic);
    assert.deepStrictEqual([...topic.partitions.keys()], [0, 1, 2]);
    assert.deepStrictEqual(topic.partitions.get(1)?.replicas, [2, 3, 1]);
    assert.equal(topic.partitions.get(1)?.leader, 2);
    assert.equal(empty.topicsByName.size, 0, 'the base image is unchanged');
  });

  it('changes ISR without a leader epoch bump, and a leader change bumps both epochs', () => {
    const shrunk = replay(withTopic, [rec.partitionChange(A, 0, { isr: [1, 2] })]);
    const p0 = shrunk.topicsById.get(A)?.partitions.get(0);
    assert.deepStrictEqual(p0?.isr, [1, 2]);
    assert.equal(p0?.leader, 1);
    assert.equal(p0?.leaderEpoch, 0);
    assert.equal(p0?.partitionEpoch, 1);
    const moved = replay(shrunk, [rec.partitionChange(A, 0, { leader: 2, isr: [2] })]);
    const p0b = moved.topicsById.get(A)?.partitions.get(0);
    assert.equal(p0b?.leader, 2);
    assert.equal(p0b?.leaderEpoch, 1);
    assert.equal(p0b?.partitionEpoch, 2);
    assert.equal(moved.topicsById.get(A)?.partitions.get(1), withTopic.topicsById.get(A)?.partitions.get(1));
  });

  it('deletes a topic with its configs, and a new topic may take the name in the same delta', () => {
    const configured = replay(withTopic, [
      rec.config(ConfigResourceType.TOPIC, 'orders', 'retention.ms', '1000'),
    ]);
    const recreated = replay(configured, [
      rec.removeTopic(A),
      rec.topic('orders', B),
      rec.partition(B, 0, [1]),
    ]);
    assert.equal(recreated.topicsById.has(A), false);
    assert.equal(recreated.topicsByName.get('orders')?.id, B);
    assert.equal(recreated.configs.size, 0);
    const deleted = replay(withTopic, [rec.removeTopic(A)]);
    assert.equal(deleted.topicsByName.size, 0);
    assert.equal(deleted.topicsById.size, 0);
  });

  it('sets, overwrites and deletes configs per resource (null value deletes)', () => {
    const topicKey = configResourceKey({ type: ConfigResourceType.TOPIC, name: 'orders' });
    const clusterKey = configResourceKey({ type: ConfigResourceType.BROKER, name: '' });
    const image = replay(withTopic, [
      rec.config(ConfigResourceType.TOPIC, 'orders', 'cleanup.policy', 'compact'),
      rec.config(ConfigResourceType.TOPIC, 'orders', 'retention.ms', '5'),
      rec.config(ConfigResourceType.TOPIC, 'orders', 'retention.ms', '6'),
      rec.config(ConfigResourceType.BROKER, '', 'log.retention.ms', '7'),
    ]);
    assert.deepStrictEqual(
      image.configs.get(topicKey)?.configs,
      new Map([
        ['cleanup.policy', 'compact'],
        ['retention.ms', '6'],
      ]),
    );
    assert.equal(image.configs.get(clusterKey)?.configs.get('log.retention.ms'), '7');
    const after = replay(image, [
      rec.config(ConfigResourceType.TOPIC, 'orders', 'retention.ms', null),
      rec.config(ConfigResourceType.BROKER, '', 'log.retention.ms', null),
    ]);
    assert.deepStrictEqual([...(after.configs.get(topicKey)?.configs.keys() ?? [])], ['cleanup.policy']);
    assert.equal(after.configs.has(clusterKey), false, 'a resource without keys disappears');
  });

  it('registers, unfences, fences and unregisters a broker, checking its epoch', () => {
    const registered = replay(empty, [rec.registerBroker(1, 10n)]);
    assert.equal(registered.brokers.get(1)?.fenced, true);
    assert.equal(registered.brokers.get(1)?.listeners[0]?.port, 9092);
    const unfenced = replay(registered, [rec.unfence(1, 10n)]);
    assert.equal(unfenced.brokers.get(1)?.fenced, false);
    const fenced = replay(unfenced, [rec.fence(1, 10n)]);
    assert.equal(fenced.brokers.get(1)?.fenced, true);
    assert.throws(() => replay(fenced, [rec.unfence(1, 9n)]), MetadataReplayError);
    const reRegistered = replay(fenced, [rec.registerBroker(1, 11n, { fenced: false, port: 9093 })]);
    assert.equal(reRegistered.brokers.get(1)?.epoch, 11n);
    assert.equal(reRegistered.brokers.get(1)?.listeners[0]?.port, 9093);
    assert.equal(replay(reRegistered, [rec.unregister(1, 11n)]).brokers.size, 0);
  });

  it('tracks the producer id block and refuses one that moves back', () => {
    const image = replay(empty, [rec.producerIds(1000n), rec.producerIds(2000n)]);
    assert.equal(image.producerIds?.nextProducerId, 2000n);
    assert.throws(() => replay(image, [rec.producerIds(1000n)]), MetadataReplayError);
  });

  it('shares every untouched part with the base image', () => {
    const image = replay(withTopic, [rec.noOp(), rec.registerBroker(1, 1n)]);
    assert.equal(image.topicsByName, withTopic.topicsByName);
    assert.equal(image.configs, withTopic.configs);
    assert.equal(image.features, withTopic.features);
    assert.notEqual(image.brokers, withTopic.brokers);
    assert.ok(Object.isFrozen(image));
    assert.ok(Object.isFrozen(image.topicsById.get(A)?.partitions.get(0)?.replicas));
  });

  it('refuses records that contradict the image', () => {
    const cases: [string, MetadataRecord[]][] = [
      ['partition of an unknown topic', [rec.partition(B, 0, [1])]],
      ['duplicate topic id', [rec.topic('other', A)]],
      ['duplicate topic name', [rec.topic('orders', B)]],
      ['duplicate partition', [rec.partition(A, 0, [1])]],
      ['change of an unknown partition', [rec.partitionChange(A, 9, { isr: [1] })]],
      ['leader outside the replicas', [rec.partitionChange(A, 0, { leader: 7 })]],
      ['ISR outside the replicas', [rec.partitionChange(A, 0, { isr: [1, 8] })]],
      ['removal of an unknown topic', [rec.removeTopic(B)]],
      ['fence of an unregistered broker', [rec.fence(4, 1n)]],
      [
        'config on an unrecorded resource type',
        [rec.config(ConfigResourceType.BROKER_LOGGER, '1', 'x', 'y')],
      ],
      ['partition of a topic removed earlier in the delta', [rec.removeTopic(A), rec.partition(A, 5, [1])]],
    ];
    for (const [what, records] of cases) {
      assert.throws(() => replay(withTopic, records), MetadataReplayError, what);
    }
  });
});
