// The records that register the single node: a new cluster gets metadata.version and the broker;
// a restart with the same endpoints appends nothing (the metadata log does not grow per start);
// a changed port or a fenced registration registers again with the new epoch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyMetadataImage, MetadataDelta, type MetadataImage } from '../metadata/index.js';
import type { ListenerEndpoint } from '../network/index.js';
import { MetadataRecordType, ZERO_UUID } from '../protocol/index.js';
import { brokerRegistrationRecords } from './broker-registration.js';

const LISTENERS: ListenerEndpoint[] = [
  { name: 'PLAINTEXT', host: 'localhost', port: 9192, securityProtocol: 'PLAINTEXT' },
];

function applied(image: MetadataImage, records: ReturnType<typeof brokerRegistrationRecords>): MetadataImage {
  const delta = new MetadataDelta(image);
  for (const record of records) delta.replay(record);
  return delta.apply();
}

describe('brokerRegistrationRecords', () => {
  it('registers a new cluster, then nothing while the endpoints stay the same', () => {
    const first = brokerRegistrationRecords(emptyMetadataImage('c'), 1, LISTENERS, 0n, ZERO_UUID);
    assert.deepEqual(
      first.map((record) => record.type),
      [MetadataRecordType.FeatureLevelRecord, MetadataRecordType.RegisterBrokerRecord],
    );
    const image = applied(emptyMetadataImage('c'), first);
    assert.deepEqual(brokerRegistrationRecords(image, 1, LISTENERS, 2n, ZERO_UUID), []);
  });

  it('registers again when a port changed or the registration is fenced', () => {
    const image = applied(
      emptyMetadataImage('c'),
      brokerRegistrationRecords(emptyMetadataImage('c'), 1, LISTENERS, 0n, ZERO_UUID),
    );
    const moved = brokerRegistrationRecords(image, 1, [{ ...LISTENERS[0]!, port: 9193 }], 2n, ZERO_UUID);
    assert.deepEqual(
      moved.map((record) => record.type),
      [MetadataRecordType.RegisterBrokerRecord],
    );
    assert.equal(applied(image, moved).brokers.get(1)?.epoch, 2n);
    const fenced = applied(image, [
      { type: MetadataRecordType.FenceBrokerRecord, version: 0, data: { id: 1, epoch: 0n } },
    ]);
    assert.equal(brokerRegistrationRecords(fenced, 1, LISTENERS, 3n, ZERO_UUID).length, 1);
    assert.equal(brokerRegistrationRecords(image, 2, LISTENERS, 3n, ZERO_UUID).length, 1);
  });
});
