// src/replication owns partitions as leaders (followers, ISR and fetchers later), the high watermark, acks and delayed fetches.
// It must not know how metadata is agreed, nor sockets or request formats; it reaches disks only through src/storage's PartitionLog.
export { DEFAULT_MAX_DELAYED_FETCHES, DelayedFetches, type DelayedFetchOutcome } from './delayed-fetch.js';
export {
  type Acks,
  type IsolationLevel,
  type LeaderAppend,
  type MarkerAppend,
  Partition,
  type PartitionRead,
  type RefusedAppend,
} from './partition.js';
export { ReplicaManager } from './replica-manager.js';
