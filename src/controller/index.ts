// src/controller owns the controller's decisions: validating admin requests and producer id block allocations and turning them into metadata records (single node: LocalController).
// It must not know client connections or how records are stored or agreed: a commit function is injected.

export {
  type ConfigKeyFacts,
  type ConfigPlan,
  type ConfigProblemReport,
  type ConfigRules,
  checkConfigResource,
  planConfigAlteration,
} from './config-alteration.js';
export {
  LocalController,
  type LocalControllerOptions,
  PRODUCER_ID_BLOCK_SIZE,
  ProducerIdsExhaustedError,
} from './local-controller.js';
export { type PartitionsPlan, planPartitions } from './partition-creation.js';
export {
  CLUSTER_METADATA_TOPIC,
  MAX_PARTITIONS_PER_TOPIC,
  partitionRecord,
  planTopic,
  type TopicCreationRules,
  type TopicPlan,
} from './topic-creation.js';
export { type DeletionPlan, planTopicDeletion } from './topic-deletion.js';
