// TxnMetadata ↔ the key and value bytes of a __transaction_state record (Kafka's TransactionLogKey/Value, an int16 version first).
import {
  ByteReader,
  ByteWriter,
  decodeTransactionLogKey,
  decodeTransactionLogValue,
  encodeTransactionLogKey,
  encodeTransactionLogValue,
  PyralogError,
  type TransactionLogValue,
} from '../../protocol/index.js';
import type { EncodedRecord } from '../internal-topic-log.js';
import {
  NO_PRODUCER_EPOCH,
  sortPartitions,
  type TxnMetadata,
  type TxnPartition,
  txnStateFromId,
  txnStateId,
} from './txn-metadata.js';

/** A __transaction_state record that cannot be read: the coordinator must not start from a partial state. */
export class CorruptTxnRecordError extends PyralogError {
  readonly code = 'CORRUPT_TXN_RECORD';
}

/** Kafka writes TransactionLogKey v0 and, since 4.0, TransactionLogValue v1 (flexible, with tagged fields). */
const KEY_VERSION = 0;
const VALUE_VERSION = 1;

export function encodeTxnKey(transactionalId: string): Buffer {
  const key = new ByteWriter(32).int16(KEY_VERSION);
  encodeTransactionLogKey(key, KEY_VERSION, { transactionalId });
  return key.toBuffer();
}

/** The record that persists `m`; Empty writes a null partition list, as Kafka does. */
export function encodeTxnRecord(m: TxnMetadata): EncodedRecord {
  const value: TransactionLogValue = {
    producerId: m.producerId,
    previousProducerId: m.previousProducerId,
    nextProducerId: m.nextProducerId,
    producerEpoch: m.producerEpoch,
    transactionTimeoutMs: m.txnTimeoutMs,
    transactionStatus: txnStateId(m.state),
    transactionPartitions: m.state === 'Empty' ? null : groupByTopic(m.partitions),
    transactionLastUpdateTimestampMs: BigInt(m.txnLastUpdateTimestampMs),
    transactionStartTimestampMs: BigInt(m.txnStartTimestampMs),
    clientTransactionVersion: m.clientTransactionVersion,
  };
  const writer = new ByteWriter(128).int16(VALUE_VERSION);
  encodeTransactionLogValue(writer, VALUE_VERSION, value);
  return { key: encodeTxnKey(m.transactionalId), value: writer.toBuffer() };
}

/** The tombstone that removes an expired transactional id. */
export function txnTombstone(transactionalId: string): EncodedRecord {
  return { key: encodeTxnKey(transactionalId), value: null };
}

function groupByTopic(partitions: readonly TxnPartition[]): TransactionLogValue['transactionPartitions'] {
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) {
    const list = byTopic.get(p.topic) ?? [];
    list.push(p.partition);
    byTopic.set(p.topic, list);
  }
  return [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds }));
}

/** One decoded record: the metadata it holds, or null for a tombstone. */
export interface TxnLogEntry {
  readonly transactionalId: string;
  readonly metadata: TxnMetadata | null;
}

/**
 * Decodes a record; lastProducerEpoch is not persisted and comes back as NO_PRODUCER_EPOCH (as in Kafka).
 * Throws CorruptTxnRecordError for bytes that do not decode or a status byte Kafka does not define.
 */
export function decodeTxnRecord(key: Buffer, value: Buffer | null): TxnLogEntry {
  try {
    const keyReader = new ByteReader(key);
    const keyVersion = keyReader.int16();
    const { transactionalId } = decodeTransactionLogKey(keyReader, keyVersion);
    if (value === null) return { transactionalId, metadata: null };
    const valueReader = new ByteReader(value);
    const v = decodeTransactionLogValue(valueReader, valueReader.int16());
    const state = txnStateFromId(v.transactionStatus);
    if (state === undefined) throw new Error(`unknown transaction status ${v.transactionStatus}`);
    const partitions: TxnPartition[] = [];
    for (const t of v.transactionPartitions ?? []) {
      for (const partition of t.partitionIds) partitions.push({ topic: t.topic, partition });
    }
    return {
      transactionalId,
      metadata: {
        transactionalId,
        producerId: v.producerId,
        previousProducerId: v.previousProducerId,
        nextProducerId: v.nextProducerId,
        producerEpoch: v.producerEpoch,
        lastProducerEpoch: NO_PRODUCER_EPOCH,
        txnTimeoutMs: v.transactionTimeoutMs,
        state,
        partitions: sortPartitions(partitions),
        txnStartTimestampMs: Number(v.transactionStartTimestampMs),
        txnLastUpdateTimestampMs: Number(v.transactionLastUpdateTimestampMs),
        clientTransactionVersion: v.clientTransactionVersion,
      },
    };
  } catch (error: unknown) {
    throw new CorruptTxnRecordError('a __transaction_state record does not decode', { cause: error });
  }
}
