import type { AbortedTxn } from './txn-index.js';

/** What a cleaning pass decides for a transaction marker it meets. */
export interface MarkerVerdict {
  /**
   * No data batch of the marker's transaction was met in this pass: the marker may go once its
   * delete horizon (KIP-534) has passed. While data of the transaction remains, it stays.
   */
  readonly canDiscard: boolean;
  /** An abort marker whose transaction still had data in this pass: its `.txnindex` entry stays. */
  readonly keptAbortedTxn?: AbortedTxn;
}

/**
 * The transactions one cleaning pass meets, walking the cleaned segments in offset order (Kafka's
 * CleanedTransactionMetadata). Aborted transactions come from the `.txnindex` entries of the range;
 * a data batch inside one is dropped. A marker may be discarded (after its delete horizon) only when
 * the pass met no data batch of its transaction: a commit marker whose data was all compacted away,
 * an abort marker whose data a previous pass removed. Pure: calls in, verdicts out.
 */
export class CleanedTransactions {
  /** Aborted transactions not reached yet, by first offset (the next one last). */
  private readonly upcoming: AbortedTxn[];
  /** Aborted transactions begun (first offset reached) whose marker the pass has not met, by producer. */
  private readonly ongoingAborted = new Map<bigint, { readonly txn: AbortedTxn; hasData: boolean }>();
  /** Producers with data of a non-aborted transaction met since their last marker. */
  private readonly ongoingCommitted = new Set<bigint>();

  constructor(abortedTxns: readonly AbortedTxn[]) {
    this.upcoming = [...abortedTxns].sort((a, b) => (a.firstOffset > b.firstOffset ? -1 : 1));
  }

  /** A data batch ending at `lastOffset`: true when it belongs to an aborted transaction (drop it). */
  onDataBatch(producerId: bigint, isTransactional: boolean, lastOffset: bigint): boolean {
    this.beginAbortedUpTo(lastOffset);
    if (!isTransactional) return false;
    const aborted = this.ongoingAborted.get(producerId);
    if (aborted !== undefined) {
      aborted.hasData = true;
      return true;
    }
    this.ongoingCommitted.add(producerId);
    return false;
  }

  /**
   * A control batch at `lastOffset`; `isCommit` undefined for a batch with no marker record (emptied
   * by an earlier pass: discardable) or an unknown control type (never discarded).
   */
  onControlBatch(
    producerId: bigint,
    isCommit: boolean | undefined,
    lastOffset: bigint,
    isEmpty: boolean,
  ): MarkerVerdict {
    this.beginAbortedUpTo(lastOffset);
    if (isEmpty) return { canDiscard: true };
    if (isCommit === undefined) return { canDiscard: false };
    if (isCommit) return { canDiscard: !this.ongoingCommitted.delete(producerId) };
    const aborted = this.ongoingAborted.get(producerId);
    this.ongoingAborted.delete(producerId);
    if (aborted?.hasData === true) return { canDiscard: false, keptAbortedTxn: aborted.txn };
    return { canDiscard: true };
  }

  private beginAbortedUpTo(offset: bigint): void {
    for (
      let next = this.upcoming.at(-1);
      next !== undefined && next.firstOffset <= offset;
      next = this.upcoming.at(-1)
    ) {
      this.upcoming.pop();
      if (!this.ongoingAborted.has(next.producerId))
        this.ongoingAborted.set(next.producerId, { txn: next, hasData: false });
    }
  }
}
