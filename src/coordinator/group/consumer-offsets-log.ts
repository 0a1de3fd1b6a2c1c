// The __consumer_offsets topic as the group runtime uses it: the shared internal-topic log under Kafka's name.
import type { ReplicaManager } from '../../replication/index.js';
import { type CreateInternalTopic, InternalTopicLog } from '../internal-topic-log.js';

export const CONSUMER_OFFSETS_TOPIC = '__consumer_offsets';

/** Creates the topic (compacted, offsets.topic.num.partitions) and resolves with the error code; NONE if it exists. */
export type CreateOffsetsTopic = CreateInternalTopic;

/** __consumer_offsets: group records appended with acks=all and replayed at start (see InternalTopicLog). */
export class ConsumerOffsetsLog extends InternalTopicLog {
  constructor(replicas: ReplicaManager, createTopic: CreateOffsetsTopic, nowMs: () => number) {
    super(CONSUMER_OFFSETS_TOPIC, replicas, createTopic, nowMs);
  }
}
