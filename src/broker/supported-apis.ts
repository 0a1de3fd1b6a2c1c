import { ApiKey, type VersionRange } from '../protocol/index.js';

/**
 * The APIs this broker serves and their versions: ApiVersions advertises exactly this table, and
 * each handler takes its range from it. Upper bounds are the newest stable versions of the specs.
 * Kafka 4.0 (KIP-896) dropped Produce 0-2, Fetch 0-3 and ListOffsets 0; Pyralog still serves them,
 * since clients pinned to old broker versions (Sarama's or kafka-python's api_version settings,
 * old embedded librdkafka builds) still send them: Produce 0-2 magic 0/1 message sets become v2
 * batches on append, Fetch 0-1 / 2-3 get their records down-converted to magic 0 / 1 (costing CPU
 * per fetched byte, as in Kafka), ListOffsets 0 answers in its offsets array. CreateTopics 0-1 stay
 * out: no maintained client sends them. DescribeConfigs 0 (also dropped by Kafka 4.0) is served
 * because kafka-python 2.0 sends it and it costs nothing.
 * The group APIs keep every version of the specs: the coordinator handles the old ones (JoinGroup
 * v0 without a rebalance timeout, OffsetCommit v1 commit times).
 */
export const SUPPORTED_APIS: ReadonlyMap<ApiKey, VersionRange> = new Map<ApiKey, VersionRange>([
  [ApiKey.Produce, { min: 0, max: 11 }],
  [ApiKey.Fetch, { min: 0, max: 17 }],
  [ApiKey.ListOffsets, { min: 0, max: 10 }],
  [ApiKey.Metadata, { min: 0, max: 12 }],
  [ApiKey.ApiVersions, { min: 0, max: 4 }],
  [ApiKey.CreateTopics, { min: 2, max: 7 }],
  // DeleteTopics 0 is served although Kafka 4.0 dropped it: it differs from v1 only by the missing
  // throttle time, and by-name deletion needs nothing more.
  [ApiKey.DeleteTopics, { min: 0, max: 6 }],
  [ApiKey.DeleteRecords, { min: 0, max: 2 }],
  [ApiKey.CreatePartitions, { min: 0, max: 3 }],
  [ApiKey.InitProducerId, { min: 0, max: 5 }],
  // An inter-broker API: a transaction coordinator on another node writes markers through it.
  [ApiKey.WriteTxnMarkers, { min: 0, max: 1 }],
  [ApiKey.DescribeConfigs, { min: 0, max: 4 }],
  [ApiKey.AlterConfigs, { min: 0, max: 2 }],
  [ApiKey.IncrementalAlterConfigs, { min: 0, max: 1 }],
  [ApiKey.DescribeLogDirs, { min: 0, max: 4 }],
  // DescribeCluster 2 (includeFencedBrokers) is newer than the specs this build is generated from.
  [ApiKey.DescribeCluster, { min: 0, max: 1 }],
  [ApiKey.DescribeTopicPartitions, { min: 0, max: 0 }],
  [ApiKey.FindCoordinator, { min: 0, max: 6 }],
  [ApiKey.JoinGroup, { min: 0, max: 9 }],
  [ApiKey.SyncGroup, { min: 0, max: 5 }],
  [ApiKey.Heartbeat, { min: 0, max: 4 }],
  [ApiKey.LeaveGroup, { min: 0, max: 5 }],
  [ApiKey.OffsetCommit, { min: 0, max: 9 }],
  [ApiKey.OffsetFetch, { min: 0, max: 9 }],
  [ApiKey.OffsetDelete, { min: 0, max: 0 }],
  [ApiKey.ListGroups, { min: 0, max: 5 }],
  [ApiKey.DescribeGroups, { min: 0, max: 5 }],
  [ApiKey.DeleteGroups, { min: 0, max: 2 }],
  // v1 is marked latestVersionUnstable in the spec.
  [ApiKey.ConsumerGroupHeartbeat, { min: 0, max: 1 }],
  [ApiKey.ConsumerGroupDescribe, { min: 0, max: 0 }],
  // Every version of the transaction APIs: v0-3 of AddPartitionsToTxn come from clients, v4+ (batched,
  // verifyOnly) from brokers; EndTxn v5 is Transactions V2 (KIP-890 part 2).
  [ApiKey.AddPartitionsToTxn, { min: 0, max: 5 }],
  [ApiKey.AddOffsetsToTxn, { min: 0, max: 4 }],
  [ApiKey.TxnOffsetCommit, { min: 0, max: 4 }],
  [ApiKey.EndTxn, { min: 0, max: 5 }],
  [ApiKey.DescribeTransactions, { min: 0, max: 0 }],
  [ApiKey.ListTransactions, { min: 0, max: 1 }],
  [ApiKey.DescribeProducers, { min: 0, max: 0 }],
]);

export function supportedVersions(apiKey: ApiKey): VersionRange {
  const range = SUPPORTED_APIS.get(apiKey);
  if (range === undefined) throw new Error(`API ${apiKey} has no entry in SUPPORTED_APIS`);
  return range;
}
