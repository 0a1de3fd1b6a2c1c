// src/replication owns partitions as leaders (followers, ISR and fetchers later), the high watermark, acks, delayed produces and delayed fetches.
// It must not know how metadata is agreed, nor sockets or request formats; it reaches disks only through src/storage's PartitionLog.
export { DEFAULT_MAX_DELAYED_FETCHES, DelayedFetches, type DelayedFetchOutcome } from './delayed-fetch.js';
export {
  type DeadlineTimer,
  DelayedProduce,
  DelayedProduces,
  PartitionAck,
  systemDeadlineTimer,
} from './delayed-produce.js';
export { OffsetQueue, type OffsetWaiter } from './offset-queue.js';
export {
  type Acks,
  type IsolationLevel,
  LeaderAppend,
  type MarkerAppend,
  Partition,
  type PartitionRead,
  partitionRead,
  type RefusedAppend,
  type Watermark,
} from './partition.js';
export { ReplicaManager } from './replica-manager.js';
