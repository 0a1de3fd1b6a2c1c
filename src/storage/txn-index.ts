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

/**
 * The `.txnindex` format only: the transactions issue appends entries when it writes abort markers
 * and reads them for READ_COMMITTED fetches. Segments create the file empty.
 */
export function encodeAbortedTxn(txn: AbortedTxn): Buffer {
  const bytes = Buffer.alloc(TXN_INDEX_ENTRY_BYTES);
  bytes.writeInt16BE(TXN_INDEX_VERSION, 0);
  bytes.writeBigInt64BE(txn.producerId, 2);
  bytes.writeBigInt64BE(txn.firstOffset, 10);
  bytes.writeBigInt64BE(txn.lastOffset, 18);
  bytes.writeBigInt64BE(txn.lastStableOffset, 26);
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
      producerId: bytes.readBigInt64BE(at + 2),
      firstOffset: bytes.readBigInt64BE(at + 10),
      lastOffset: bytes.readBigInt64BE(at + 18),
      lastStableOffset: bytes.readBigInt64BE(at + 26),
    });
  }
  return txns;
}
