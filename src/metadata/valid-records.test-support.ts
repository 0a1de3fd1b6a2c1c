// Test-only: random metadata record sequences that are valid against the image they build up, for
// property tests of replay, snapshots and the metadata log.
import fc from 'fast-check';
import type { Uuid } from '../protocol/index.js';
import { ConfigResourceType } from './config-resource.js';
import { rec, testUuid } from './metadata-fixtures.js';
import type { MetadataRecord } from './metadata-record.js';

interface ModelTopic {
  readonly name: string;
  readonly id: Uuid;
  readonly partitions: number[][];
}

/** Turns random op codes into records that are valid against the state they build up. */
export function validRecords(ops: readonly (readonly [number, number, number])[]): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  const topics: ModelTopic[] = [];
  const brokers = new Map<number, bigint>();
  let ids = 0;
  let nextEpoch = 1n;
  let nextProducerId = 0n;
  for (const [op, a, b] of ops) {
    const topic = topics.length > 0 ? topics[a % topics.length] : undefined;
    switch (op) {
      case 0: {
        const name = `t${a % 6}`;
        if (topics.some((t) => t.name === name)) break;
        const created: ModelTopic = { name, id: testUuid(++ids), partitions: [] };
        records.push(rec.topic(name, created.id));
        for (let p = 0; p < 1 + (b % 3); p += 1) {
          const replicas = [1, 2, 3].map((_, i) => ((p + i) % 3) + 1).slice(0, 1 + ((a + p) % 3));
          created.partitions.push(replicas);
          records.push(rec.partition(created.id, p, replicas));
        }
        topics.push(created);
        break;
      }
      case 1: {
        if (topic === undefined) break;
        const p = b % topic.partitions.length;
        const replicas = topic.partitions[p] ?? [];
        const isr = replicas.slice(0, 1 + (a % replicas.length));
        records.push(
          rec.partitionChange(
            topic.id,
            p,
            a % 2 === 0 ? { isr } : { isr, leader: isr[isr.length - 1] ?? -1 },
          ),
        );
        break;
      }
      case 2:
        if (topic === undefined) break;
        records.push(rec.removeTopic(topic.id));
        topics.splice(topics.indexOf(topic), 1);
        break;
      case 3:
      case 4: {
        const resource =
          topic === undefined || b % 2 === 0
            ? ([ConfigResourceType.BROKER, ''] as const)
            : ([ConfigResourceType.TOPIC, topic.name] as const);
        records.push(rec.config(resource[0], resource[1], `k${a % 3}`, op === 3 ? `v${b}` : null));
        break;
      }
      case 5: {
        const id = 1 + (a % 3);
        const epoch = nextEpoch++;
        brokers.set(id, epoch);
        records.push(rec.registerBroker(id, epoch, { fenced: b % 2 === 0 }));
        break;
      }
      case 6: {
        const id = 1 + (a % 3);
        const epoch = brokers.get(id);
        if (epoch === undefined) break;
        records.push(
          b % 3 === 0
            ? rec.unregister(id, epoch)
            : b % 3 === 1
              ? rec.fence(id, epoch)
              : rec.unfence(id, epoch),
        );
        if (b % 3 === 0) brokers.delete(id);
        break;
      }
      case 7:
        records.push(
          a % 2 === 0
            ? rec.featureLevel('metadata.version', 1 + (b % 20))
            : rec.featureLevel('kraft.version', b % 2),
        );
        break;
      case 8:
        nextProducerId += BigInt(1 + (b % 1000));
        records.push(rec.producerIds(nextProducerId));
        break;
      default:
        records.push(rec.noOp());
    }
  }
  return records;
}

/** Op codes for validRecords. */
export const opsArbitrary = fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.nat(100), fc.nat(100)), {
  maxLength: 80,
});
