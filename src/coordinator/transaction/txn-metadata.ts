// One transactional id's metadata as the coordinator keeps and persists it (Kafka's TransactionMetadata), and its states.

/** Kafka's TransactionState ids (the TransactionStatus byte of __transaction_state) and names (DescribeTransactions). */
export const TXN_STATES = [
  'Empty',
  'Ongoing',
  'PrepareCommit',
  'PrepareAbort',
  'CompleteCommit',
  'CompleteAbort',
  'Dead',
  'PrepareEpochFence',
] as const;

export type TxnState = (typeof TXN_STATES)[number];

export function txnStateId(state: TxnState): number {
  return TXN_STATES.indexOf(state);
}

/** The state of a TransactionStatus byte, or undefined for a byte Kafka does not define. */
export function txnStateFromId(id: number): TxnState | undefined {
  return TXN_STATES[id];
}

/** Kafka's RecordBatch.NO_PRODUCER_ID / NO_PRODUCER_EPOCH. */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
/** Epochs stop one below Short.MAX_VALUE so the coordinator can always fence with one more bump. */
export const MAX_PRODUCER_EPOCH = 32_767;

/** Kafka's TransactionMetadata.isEpochExhausted. */
export function isEpochExhausted(producerEpoch: number): boolean {
  return producerEpoch >= MAX_PRODUCER_EPOCH - 1;
}

/** A partition a transaction wrote to (or __consumer_offsets-N for its offsets). */
export interface TxnPartition {
  readonly topic: string;
  readonly partition: number;
}

export function partitionKey(p: TxnPartition): string {
  return `${p.topic}\u0000${p.partition}`;
}

/** Partitions in topic, then partition order (deterministic records and answers). */
export function sortPartitions(partitions: Iterable<TxnPartition>): TxnPartition[] {
  return [...partitions].sort((a, b) =>
    a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition,
  );
}

/** `a` plus the partitions of `b` it lacks, sorted. */
export function unionPartitions(a: readonly TxnPartition[], b: Iterable<TxnPartition>): TxnPartition[] {
  const byKey = new Map(a.map((p) => [partitionKey(p), p]));
  for (const p of b) byKey.set(partitionKey(p), p);
  return sortPartitions(byKey.values());
}

export function containsAll(set: readonly TxnPartition[], wanted: Iterable<TxnPartition>): boolean {
  const keys = new Set(set.map(partitionKey));
  for (const p of wanted) if (!keys.has(partitionKey(p))) return false;
  return true;
}

/**
 * What the coordinator knows of one transactional id. Immutable: a transition builds the next value,
 * which becomes current only once its record is durable. `lastProducerEpoch` is never persisted (as in
 * Kafka): after a reload it is NO_PRODUCER_EPOCH, so a KIP-360 retry across a coordinator restart is fenced.
 */
export interface TxnMetadata {
  readonly transactionalId: string;
  readonly producerId: bigint;
  /** The producer id before the last rotation (KIP-360 / epoch overflow), or NO_PRODUCER_ID. */
  readonly previousProducerId: bigint;
  /** Transactions V2: the producer id the epoch overflow of the ending transaction moves to, or NO_PRODUCER_ID. */
  readonly nextProducerId: bigint;
  readonly producerEpoch: number;
  /** The epoch before the last bump (InitProducerId retries, KIP-360), or NO_PRODUCER_EPOCH. */
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly state: TxnState;
  /** The partitions of the ongoing (or ending) transaction, sorted; empty otherwise. */
  readonly partitions: readonly TxnPartition[];
  /** When the first partition was added (-1 when no transaction ever started). */
  readonly txnStartTimestampMs: number;
  /** When the metadata last changed: `transactional.id.expiration.ms` counts from here. */
  readonly txnLastUpdateTimestampMs: number;
  /** 0 or 1: the V1 flow; 2: Transactions V2 (KIP-890 part 2, the epoch bumps at every EndTxn). */
  readonly clientTransactionVersion: number;
}

/** A fresh id at NO_PRODUCER_EPOCH, as InitProducerId creates it before its first write. */
export function newTxnMetadata(
  transactionalId: string,
  producerId: bigint,
  txnTimeoutMs: number,
  nowMs: number,
): TxnMetadata {
  return {
    transactionalId,
    producerId,
    previousProducerId: NO_PRODUCER_ID,
    nextProducerId: NO_PRODUCER_ID,
    producerEpoch: NO_PRODUCER_EPOCH,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    txnTimeoutMs,
    state: 'Empty',
    partitions: [],
    txnStartTimestampMs: -1,
    txnLastUpdateTimestampMs: nowMs,
    clientTransactionVersion: 0,
  };
}

/** A transaction is open or ending: its producer id cannot be rotated and its id cannot expire. */
export function hasPendingTransaction(m: TxnMetadata): boolean {
  return m.state === 'Ongoing' || m.state === 'PrepareCommit' || m.state === 'PrepareAbort';
}

/** Kafka's TransactionState.isExpirationAllowed. */
export function isExpirationAllowed(state: TxnState): boolean {
  return state === 'Empty' || state === 'CompleteCommit' || state === 'CompleteAbort';
}

/** Transactions V2 bumps the epoch at every transaction end. */
export function supportsEpochBump(clientTransactionVersion: number): boolean {
  return clientTransactionVersion >= 2;
}
