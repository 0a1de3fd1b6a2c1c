import { readInt64BE, writeInt64BE } from '../protocol/index.js';
import { readFully, type StorageFile } from './file-system.js';
import { CorruptStorageFileError } from './storage-errors.js';

/** Bytes of one `.txnindex` entry (Kafka's AbortedTxn): version int16, producerId, firstOffset, lastOffset, lastStableOffset int64. */
export const TXN_INDEX_ENTRY_BYTES = 34;
export const TXN_INDEX_VERSION = 0;

/** One aborted transaction: the producer, its first and last offsets, and the LSO when it was aborted. */
export interface AbortedTxn {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  readonly lastStableOffset: bigint;
}

/** One `.txnindex` entry in Kafka's format (version 0). */
export function encodeAbortedTxn(txn: AbortedTxn): Buffer {
  const bytes = Buffer.alloc(TXN_INDEX_ENTRY_BYTES);
  bytes.writeInt16BE(TXN_INDEX_VERSION, 0);
  writeInt64BE(bytes, txn.producerId, 2);
  writeInt64BE(bytes, txn.firstOffset, 10);
  writeInt64BE(bytes, txn.lastOffset, 18);
  writeInt64BE(bytes, txn.lastStableOffset, 26);
  return bytes;
}

/** Decodes a whole `.txnindex`; CorruptStorageFileError for a partial entry or an unknown version. */
export function decodeAbortedTxns(bytes: Buffer, path: string): AbortedTxn[] {
  if (bytes.length % TXN_INDEX_ENTRY_BYTES !== 0) {
    throw new CorruptStorageFileError(`${path}: size ${bytes.length} is not whole entries`);
  }
  const txns: AbortedTxn[] = [];
  for (let at = 0; at < bytes.length; at += TXN_INDEX_ENTRY_BYTES) {
    const version = bytes.readInt16BE(at);
    if (version !== TXN_INDEX_VERSION) {
      throw new CorruptStorageFileError(
        `${path}: entry ${at / TXN_INDEX_ENTRY_BYTES} has version ${version}`,
      );
    }
    txns.push({
      producerId: readInt64BE(bytes, at + 2),
      firstOffset: readInt64BE(bytes, at + 10),
      lastOffset: readInt64BE(bytes, at + 18),
      lastStableOffset: readInt64BE(bytes, at + 26),
    });
  }
  return txns;
}

/** What a read_committed fetch collects from the indexes: the aborted transactions and whether the search is done. */
export interface AbortedTxnSearch {
  readonly abortedTxns: AbortedTxn[];
  /** An entry's lastStableOffset reached the upper bound: no later segment can hold a relevant entry. */
  readonly isComplete: boolean;
}

/**
 * One segment's `.txnindex` (Kafka's TransactionIndex): the aborted transactions whose abort marker
 * lies in the segment, in marker order. The entries are kept in memory as well (34 bytes of file
 * each; aborts are rare next to the data they cancel), so a fetch never reads the file. The owner
 * (the partition log's queue) serialises appends and truncations.
 */
export class TransactionIndex {
  private constructor(
    readonly file: StorageFile,
    private entries: AbortedTxn[],
  ) {}

  static empty(file: StorageFile): TransactionIndex {
    return new TransactionIndex(file, []);
  }

  /** Reads the whole file; CorruptStorageFileError when it is not whole, known entries (rebuild it). */
  static async load(file: StorageFile): Promise<TransactionIndex> {
    const bytes = await readFully(file, 0, await file.size());
    return new TransactionIndex(file, decodeAbortedTxns(bytes, file.path));
  }

  get abortedTxns(): readonly AbortedTxn[] {
    return this.entries;
  }

  /**
   * Adds an entry at the end of the file. In memory at once (before the write settles), so a read
   * that sees the abort marker's batch sees its entry too.
   */
  async append(txn: AbortedTxn): Promise<void> {
    const last = this.entries.at(-1);
    if (last !== undefined && txn.lastOffset <= last.lastOffset) {
      throw new CorruptStorageFileError(
        `${this.file.path}: aborted transaction ending at ${txn.lastOffset} follows one ending at ${last.lastOffset}`,
      );
    }
    const position = this.entries.length * TXN_INDEX_ENTRY_BYTES;
    const { producerId, firstOffset, lastOffset, lastStableOffset } = txn;
    this.entries.push({ producerId, firstOffset, lastOffset, lastStableOffset });
    await this.file.writev([encodeAbortedTxn(txn)], position);
  }

  /** Kafka's truncateTo: drops the entries whose abort marker is at or after `offset`. */
  async truncateTo(offset: bigint): Promise<void> {
    const kept = this.entries.filter((txn) => txn.lastOffset < offset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    await this.file.truncate(kept.length * TXN_INDEX_ENTRY_BYTES);
  }

  /** Empties the index (before a rebuild from the log). */
  async reset(): Promise<void> {
    this.entries = [];
    await this.file.truncate(0);
  }

  /**
   * Kafka's collectAbortedTxns: the aborted transactions overlapping [fetchOffset, upperBoundOffset)
   * (their marker at or after fetchOffset, their first offset below the bound).
   */
  collect(fetchOffset: bigint, upperBoundOffset: bigint): AbortedTxnSearch {
    const abortedTxns: AbortedTxn[] = [];
    for (const txn of this.entries) {
      if (txn.lastOffset >= fetchOffset && txn.firstOffset < upperBoundOffset) abortedTxns.push(txn);
      if (txn.lastStableOffset >= upperBoundOffset) return { abortedTxns, isComplete: true };
    }
    return { abortedTxns, isComplete: false };
  }

  sync(): Promise<void> {
    return this.file.sync();
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
