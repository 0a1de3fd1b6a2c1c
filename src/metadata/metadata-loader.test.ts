// Proves that the loader applies batches whole and in order, refuses stale offsets and bad batches
// without changing its image, loads snapshots, catches up from a log source (snapshot then batches),
// and tells publishers about every new image, including a catch-up for late publishers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetadataOffsetError, MetadataPublisherError, MetadataReplayError } from './metadata-errors.js';
import { rec, testUuid } from './metadata-fixtures.js';
import { type MetadataBatch, MetadataLoader, type MetadataLogSource } from './metadata-loader.js';
import type { MetadataPublisher, MetadataUpdate } from './metadata-publisher.js';
import { takeMetadataSnapshot } from './metadata-snapshot.js';

const A = testUuid(1);

function recorder(): MetadataPublisher & { updates: MetadataUpdate[] } {
  const updates: MetadataUpdate[] = [];
  return { name: 'recorder', updates, onMetadataUpdate: (update) => void updates.push(update) };
}

const batches: MetadataBatch[] = [
  {
    baseOffset: 0n,
    epoch: 1,
    records: [rec.featureLevel('metadata.version', 20), rec.registerBroker(1, 1n)],
  },
  { baseOffset: 2n, epoch: 1, records: [rec.topic('orders', A), rec.partition(A, 0, [1])] },
  { baseOffset: 5n, epoch: 2, records: [rec.partitionChange(A, 0, { isr: [1] })] },
];

describe('MetadataLoader', () => {
  it('applies batches in order and publishes each image with its delta', async () => {
    const loader = new MetadataLoader({ clusterId: 'c' });
    const publisher = recorder();
    await loader.installPublisher(publisher);
    for (const batch of batches) await loader.applyBatch(batch);
    assert.deepStrictEqual(loader.image.provenance, { lastAppliedOffset: 5n, lastAppliedEpoch: 2 });
    assert.equal(publisher.updates.length, 3);
    const second = publisher.updates[1];
    assert.equal(second?.kind, 'batch');
    assert.equal(second?.delta.image, second?.previousImage);
    assert.equal(second?.delta.size, 2);
    assert.equal(publisher.updates[2]?.newImage, loader.image);
  });

  it('refuses a stale batch and a contradicting batch, keeping its image', async () => {
    const loader = new MetadataLoader({ clusterId: 'c' });
    await loader.applyBatch(batches[0]!);
    const before = loader.image;
    await assert.rejects(loader.applyBatch({ ...batches[0]!, baseOffset: 1n }), MetadataOffsetError);
    await assert.rejects(
      loader.applyBatch({
        baseOffset: 2n,
        epoch: 1,
        records: [rec.topic('x', A), rec.partition(testUuid(9), 0, [1])],
      }),
      MetadataReplayError,
    );
    assert.equal(loader.image, before);
    await loader.applyBatch(batches[1]!);
    assert.equal(loader.image.topicsByName.get('orders')?.id, A);
  });

  it('catches up from a source: latest snapshot, then the batches after it', async () => {
    const full = new MetadataLoader({ clusterId: 'c' });
    for (const batch of batches.slice(0, 2)) await full.applyBatch(batch);
    const snapshot = takeMetadataSnapshot(full.image);
    const asked: bigint[] = [];
    const source: MetadataLogSource = {
      readLatestSnapshot: async () => snapshot,
      async *readBatches(afterOffset) {
        asked.push(afterOffset);
        yield* batches.filter((batch) => batch.baseOffset > afterOffset);
      },
    };
    const restarted = new MetadataLoader({ clusterId: 'c' });
    const publisher = recorder();
    await restarted.installPublisher(publisher);
    const image = await restarted.catchUp(source);
    assert.deepStrictEqual(asked, [3n]);
    assert.deepStrictEqual(
      publisher.updates.map((update) => update.kind),
      ['snapshot', 'batch'],
    );
    for (const batch of batches.slice(2)) await full.applyBatch(batch);
    assert.deepStrictEqual(image, full.image);
  });

  it('a publisher installed late catches up with one snapshot update', async () => {
    const loader = new MetadataLoader({ clusterId: 'c' });
    for (const batch of batches) await loader.applyBatch(batch);
    const publisher = recorder();
    await loader.installPublisher(publisher);
    assert.equal(publisher.updates.length, 1);
    assert.equal(publisher.updates[0]?.kind, 'snapshot');
    assert.equal(publisher.updates[0]?.newImage, loader.image);
  });

  it('a failing publisher fails the loader for good', async () => {
    const loader = new MetadataLoader({ clusterId: 'c' });
    await loader.installPublisher({
      name: 'broken',
      onMetadataUpdate: () => {
        throw new Error('disk full');
      },
    });
    await assert.rejects(loader.applyBatch(batches[0]!), MetadataPublisherError);
    await assert.rejects(loader.applyBatch(batches[1]!), MetadataPublisherError);
  });
});
