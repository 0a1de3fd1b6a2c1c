// Pure transitions of one transactional id (Kafka's TransactionMetadata.prepare* and the checks of its coordinator).
import { ErrorCode } from '../../protocol/index.js';
import {
  containsAll,
  hasPendingTransaction,
  isEpochExhausted,
  MAX_PRODUCER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  supportsEpochBump,
  type TxnMetadata,
  type TxnPartition,
  type TxnState,
  unionPartitions,
} from './txn-metadata.js';

/**
 * A transition's verdict: answer at once, write `next` first, come back with a fresh producer id, or
 * (InitProducerId during an open transaction) fence the current producer by aborting its transaction.
 */
export type Transit =
  | { readonly kind: 'answer'; readonly errorCode: number }
  | { readonly kind: 'write'; readonly next: TxnMetadata }
  | { readonly kind: 'needsProducerId' }
  | { readonly kind: 'fence' };

const answer = (errorCode: number): Transit => ({ kind: 'answer', errorCode });
const NEEDS_PRODUCER_ID: Transit = { kind: 'needsProducerId' };

/** The producer id and epoch a KIP-360 InitProducerId (v3+) says it had; absent for a new producer. */
export interface ExpectedProducer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/**
 * InitProducerId. During an open transaction (Ongoing) the answer is to fence: the coordinator aborts it
 * at a bumped epoch and the client retries (CONCURRENT_TRANSACTIONS) until the abort is complete.
 * A KIP-360 producer (expected id and epoch) is fenced unless its id is the current one, the metadata is
 * new (epoch -1), or it is the previous id at an exhausted epoch (a retry after a rotation it never saw).
 * The current epoch retried answers the same epoch again (its lastProducerEpoch); an exhausted epoch
 * rotates to a fresh producer id at epoch 0.
 */
export function initProducerIdTransit(
  m: TxnMetadata,
  txnTimeoutMs: number,
  expected: ExpectedProducer | null,
  freshProducerId: bigint | null,
  nowMs: number,
): Transit {
  if (expected !== null && !isValidProducerId(m, expected)) return answer(ErrorCode.PRODUCER_FENCED);
  if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort')
    return answer(ErrorCode.CONCURRENT_TRANSACTIONS);
  if (m.state === 'Ongoing') return { kind: 'fence' };
  const base = {
    ...m,
    state: 'Empty' as const,
    txnTimeoutMs,
    partitions: [],
    txnStartTimestampMs: -1,
    txnLastUpdateTimestampMs: nowMs,
    nextProducerId: NO_PRODUCER_ID,
    previousProducerId: m.producerId,
  };
  if (
    isEpochExhausted(m.producerEpoch) &&
    (expected === null || expected.producerEpoch === m.producerEpoch)
  ) {
    if (freshProducerId === null) return NEEDS_PRODUCER_ID;
    const lastProducerEpoch = expected === null ? NO_PRODUCER_EPOCH : m.producerEpoch;
    return {
      kind: 'write',
      next: { ...base, producerId: freshProducerId, producerEpoch: 0, lastProducerEpoch },
    };
  }
  const bumped = m.producerEpoch + 1;
  if (expected === null) {
    return { kind: 'write', next: { ...base, producerEpoch: bumped, lastProducerEpoch: NO_PRODUCER_EPOCH } };
  }
  if (m.producerEpoch === NO_PRODUCER_EPOCH || expected.producerEpoch === m.producerEpoch) {
    return { kind: 'write', next: { ...base, producerEpoch: bumped, lastProducerEpoch: m.producerEpoch } };
  }
  // A retry of a bump whose answer was lost: the same epoch again, no new bump.
  if (expected.producerEpoch === m.lastProducerEpoch) return { kind: 'write', next: { ...base } };
  return answer(ErrorCode.PRODUCER_FENCED);
}

function isValidProducerId(m: TxnMetadata, expected: ExpectedProducer): boolean {
  return (
    m.producerEpoch === NO_PRODUCER_EPOCH ||
    expected.producerId === m.producerId ||
    (expected.producerId === m.previousProducerId && isEpochExhausted(expected.producerEpoch))
  );
}

/**
 * Aborts an open transaction on the coordinator's own initiative (a newer producer's InitProducerId, or
 * the transaction timeout): the epoch goes up by one so the old producer is fenced, and the abort markers
 * carry it. Under Transactions V2 the abort bumps once more, as every transaction end does. After a
 * failed fence write the epoch already went up once in the old producer's view: not again.
 */
export function fenceTransit(m: TxnMetadata, hasFailedEpochFence: boolean, nowMs: number): TxnMetadata {
  const fenced = hasFailedEpochFence ? m.producerEpoch : Math.min(m.producerEpoch + 1, MAX_PRODUCER_EPOCH);
  const v2 = supportsEpochBump(m.clientTransactionVersion) && fenced < MAX_PRODUCER_EPOCH;
  return {
    ...m,
    state: 'PrepareAbort',
    producerEpoch: v2 ? fenced + 1 : fenced,
    lastProducerEpoch: v2 ? fenced : NO_PRODUCER_EPOCH,
    txnLastUpdateTimestampMs: nowMs,
  };
}

/** The first checks of AddPartitionsToTxn, AddOffsetsToTxn and EndTxn V1: NONE when they pass. */
export function producerCheck(m: TxnMetadata, producerId: bigint, producerEpoch: number): number {
  if (m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
  if (m.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
  return ErrorCode.NONE;
}

/**
 * AddPartitionsToTxn (and AddOffsetsToTxn with the group's __consumer_offsets partition): the transaction
 * becomes Ongoing with the union of the partitions; partitions already in an Ongoing transaction answer
 * NONE without a write. A transaction that is ending answers CONCURRENT_TRANSACTIONS (retriable).
 */
export function addPartitionsTransit(
  m: TxnMetadata,
  producerId: bigint,
  producerEpoch: number,
  partitions: readonly TxnPartition[],
  clientTransactionVersion: number,
  nowMs: number,
): Transit {
  const check = producerCheck(m, producerId, producerEpoch);
  if (check !== ErrorCode.NONE) return answer(check);
  if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort')
    return answer(ErrorCode.CONCURRENT_TRANSACTIONS);
  if (m.state === 'Ongoing' && containsAll(m.partitions, partitions)) return answer(ErrorCode.NONE);
  const starts = m.state !== 'Ongoing';
  return {
    kind: 'write',
    next: {
      ...m,
      state: 'Ongoing',
      partitions: unionPartitions(m.partitions, partitions),
      txnStartTimestampMs: starts ? nowMs : m.txnStartTimestampMs,
      txnLastUpdateTimestampMs: nowMs,
      clientTransactionVersion,
    },
  };
}

/**
 * KIP-890 verification (AddPartitionsToTxn v4+ verifyOnly, and the produce path): per partition NONE when
 * it is in the ongoing transaction, TRANSACTION_ABORTABLE when it is not; one error for all when the
 * producer does not match (INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED) or the transaction is ending.
 */
export function verifyPartitions(
  m: TxnMetadata | undefined,
  producerId: bigint,
  producerEpoch: number,
  partitions: readonly TxnPartition[],
): number[] {
  let all: number = ErrorCode.NONE;
  if (m === undefined) all = ErrorCode.INVALID_PRODUCER_ID_MAPPING;
  else all = producerCheck(m, producerId, producerEpoch);
  if (all === ErrorCode.NONE && (m!.state === 'PrepareCommit' || m!.state === 'PrepareAbort')) {
    all = ErrorCode.CONCURRENT_TRANSACTIONS;
  }
  if (all !== ErrorCode.NONE) return partitions.map(() => all);
  return partitions.map((p) =>
    containsAll(m!.partitions, [p]) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE,
  );
}

export interface EndTxnInput {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly committed: boolean;
  /** EndTxn v5+: Transactions V2. */
  readonly v2: boolean;
}

/**
 * EndTxn from a client. V1 (v0-4): strict epoch equality; an Ongoing transaction goes to PrepareCommit or
 * PrepareAbort; a retry after the end answers NONE (CompleteCommit + commit, CompleteAbort + abort) or
 * CONCURRENT_TRANSACTIONS while the markers are written; anything else is INVALID_TXN_STATE.
 * V2 (v5+, KIP-890 part 2): the epoch goes up by one at every end (the markers carry the new epoch),
 * a retry is recognised by the epoch the client still has (one below), an abort without a transaction
 * is allowed (it bumps the epoch), and an exhausted epoch moves to a fresh producer id at epoch 0.
 */
export function endTxnTransit(
  m: TxnMetadata,
  input: EndTxnInput,
  freshProducerId: bigint | null,
  nowMs: number,
): Transit {
  return input.v2 ? endTxnV2(m, input, freshProducerId, nowMs) : endTxnV1(m, input, nowMs);
}

function endTxnV1(m: TxnMetadata, input: EndTxnInput, nowMs: number): Transit {
  const check = producerCheck(m, input.producerId, input.producerEpoch);
  if (check !== ErrorCode.NONE) return answer(check);
  const wanted: TxnState = input.committed ? 'PrepareCommit' : 'PrepareAbort';
  switch (m.state) {
    case 'Ongoing':
      return { kind: 'write', next: { ...m, state: wanted, txnLastUpdateTimestampMs: nowMs } };
    case 'CompleteCommit':
      return answer(input.committed ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE);
    case 'CompleteAbort':
      return answer(input.committed ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE);
    case 'PrepareCommit':
      return answer(input.committed ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
    case 'PrepareAbort':
      return answer(input.committed ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS);
    default:
      return answer(ErrorCode.INVALID_TXN_STATE);
  }
}

function endTxnV2(
  m: TxnMetadata,
  input: EndTxnInput,
  freshProducerId: bigint | null,
  nowMs: number,
): Transit {
  const epoch = input.producerEpoch;
  const retryOnOverflow =
    m.previousProducerId === input.producerId && epoch === MAX_PRODUCER_EPOCH - 1 && m.producerEpoch === 0;
  const retryOnEpochBump = m.producerEpoch === epoch + 1;
  const isRetry = retryOnEpochBump || retryOnOverflow;
  let isValidEpoch: boolean;
  if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') isValidEpoch = retryOnEpochBump;
  else if (m.state === 'CompleteCommit' || m.state === 'CompleteAbort') {
    isValidEpoch = isRetry || epoch === m.producerEpoch;
  } else isValidEpoch = epoch === m.producerEpoch;
  if (m.producerId !== input.producerId && !retryOnOverflow) {
    return answer(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  }
  if (!isValidEpoch) return answer(ErrorCode.PRODUCER_FENCED);
  const end = (state: 'PrepareCommit' | 'PrepareAbort', noPartitionAdded: boolean): Transit => {
    const exhausted = isEpochExhausted(m.producerEpoch);
    if (exhausted && freshProducerId === null) return NEEDS_PRODUCER_ID;
    return {
      kind: 'write',
      next: {
        ...m,
        state,
        producerEpoch: m.producerEpoch + 1,
        lastProducerEpoch: m.producerEpoch,
        nextProducerId: exhausted ? freshProducerId! : NO_PRODUCER_ID,
        txnStartTimestampMs: noPartitionAdded ? nowMs : m.txnStartTimestampMs,
        txnLastUpdateTimestampMs: nowMs,
        clientTransactionVersion: 2,
      },
    };
  };
  switch (m.state) {
    case 'Ongoing':
      return end(input.committed ? 'PrepareCommit' : 'PrepareAbort', false);
    case 'CompleteCommit':
      if (input.committed) return answer(isRetry ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE);
      return isRetry ? answer(ErrorCode.INVALID_TXN_STATE) : end('PrepareAbort', true);
    case 'CompleteAbort':
      if (!input.committed) return isRetry ? answer(ErrorCode.NONE) : end('PrepareAbort', true);
      return answer(ErrorCode.INVALID_TXN_STATE);
    case 'PrepareCommit':
      return answer(input.committed ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
    case 'PrepareAbort':
      return answer(input.committed ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS);
    case 'Empty':
      return input.committed ? answer(ErrorCode.INVALID_TXN_STATE) : end('PrepareAbort', true);
    default:
      return answer(ErrorCode.INVALID_TXN_STATE);
  }
}

/**
 * Once every marker is written: CompleteCommit or CompleteAbort with no partitions. Under V2 an
 * exhausted epoch moves to the prepared next producer id at epoch 0 (the client learns it from EndTxn).
 */
export function completeTransit(m: TxnMetadata, nowMs: number): TxnMetadata {
  const rotates = supportsEpochBump(m.clientTransactionVersion) && m.nextProducerId !== NO_PRODUCER_ID;
  return {
    ...m,
    state: m.state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort',
    producerId: rotates ? m.nextProducerId : m.producerId,
    producerEpoch: rotates ? 0 : m.producerEpoch,
    previousProducerId: supportsEpochBump(m.clientTransactionVersion) ? m.producerId : m.previousProducerId,
    nextProducerId: NO_PRODUCER_ID,
    partitions: [],
    txnLastUpdateTimestampMs: nowMs,
  };
}

/** True when an open transaction ran past its timeout (Kafka's timedOutTransactions). */
export function isTimedOut(m: TxnMetadata, nowMs: number): boolean {
  return m.state === 'Ongoing' && m.txnStartTimestampMs + m.txnTimeoutMs <= nowMs;
}

/** True when an idle id may be removed (transactional.id.expiration.ms since its last update). */
export function isExpired(m: TxnMetadata, expirationMs: number, nowMs: number): boolean {
  return (
    !hasPendingTransaction(m) && m.state !== 'Dead' && m.txnLastUpdateTimestampMs + expirationMs <= nowMs
  );
}
