import { CompressionCodec } from '../compression/index.js';
import { ByteReader, ByteWriter, DecodeError, EncodeError } from '../primitives/index.js';
import type { RecordBatch } from './kafka-record.js';
import { NO_PARTITION_LEADER_EPOCH, NO_SEQUENCE, TimestampType } from './record-batch-layout.js';
import { MalformedRecordError } from './record-errors.js';

/** Kafka's `ControlRecordType` ids (the type int16 of a control record's key). */
export const ControlRecordType = {
  abort: 0,
  commit: 1,
  leaderChange: 2,
  snapshotHeader: 3,
  snapshotFooter: 4,
  kraftVersion: 5,
  kraftVoters: 6,
} as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

/** The key of every control record; `type` is kept as read, so unknown ids survive a round trip. */
export interface ControlRecordKey {
  readonly version: number;
  readonly type: number;
}

/** The value of a commit or abort marker (Kafka's `EndTransactionMarker`). */
export interface EndTxnMarker {
  readonly version: number;
  readonly coordinatorEpoch: number;
}

export const CONTROL_RECORD_KEY_VERSION = 0;
export const END_TXN_MARKER_VERSION = 0;

export function encodeControlRecordKey(key: ControlRecordKey): Buffer {
  return new ByteWriter(4).int16(key.version).int16(key.type).toBuffer();
}

function decodeWith<T>(bytes: Buffer | null, what: string, read: (reader: ByteReader) => T): T {
  if (bytes === null) throw new MalformedRecordError(`${what} is null`);
  try {
    return read(new ByteReader(bytes));
  } catch (error: unknown) {
    if (!(error instanceof DecodeError)) throw error;
    throw new MalformedRecordError(`${what}: ${error.message}`, { cause: error });
  }
}

/**
 * Reads a control record key. As Kafka, a version above 0 is read as version 0 (later versions may
 * only append fields); a negative version or fewer than 4 bytes throws MalformedRecordError.
 */
export function decodeControlRecordKey(bytes: Buffer | null): ControlRecordKey {
  return decodeWith(bytes, 'control record key', (reader) => {
    const version = reader.int16();
    if (version < 0) throw new DecodeError(`negative version ${version}`);
    return { version, type: reader.int16() };
  });
}

export function encodeEndTxnMarker(marker: EndTxnMarker): Buffer {
  return new ByteWriter(6).int16(marker.version).int32(marker.coordinatorEpoch).toBuffer();
}

/** Reads a commit/abort marker value; throws MalformedRecordError as decodeControlRecordKey. */
export function decodeEndTxnMarker(bytes: Buffer | null): EndTxnMarker {
  return decodeWith(bytes, 'end transaction marker', (reader) => {
    const version = reader.int16();
    if (version < 0) throw new DecodeError(`negative version ${version}`);
    return { version, coordinatorEpoch: reader.int32() };
  });
}

export interface EndTxnMarkerBatchInput {
  readonly type: typeof ControlRecordType.commit | typeof ControlRecordType.abort;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  /** Milliseconds since the epoch: the marker's timestamp. */
  readonly timestamp: bigint;
  readonly baseOffset?: bigint;
  readonly partitionLeaderEpoch?: number;
}

/**
 * The control batch a transaction coordinator's WriteTxnMarkers appends (Kafka's
 * `MemoryRecords.withEndTransactionMarker`): transactional, control, uncompressed, one record.
 */
export function createEndTxnMarkerBatch(input: EndTxnMarkerBatchInput): RecordBatch {
  if (input.type !== ControlRecordType.commit && input.type !== ControlRecordType.abort) {
    throw new EncodeError(`control type ${input.type} is not an end transaction marker`);
  }
  return {
    baseOffset: input.baseOffset ?? 0n,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
    compression: CompressionCodec.none,
    timestampType: TimestampType.createTime,
    isTransactional: true,
    isControl: true,
    hasDeleteHorizonMs: false,
    lastOffsetDelta: 0,
    baseTimestamp: input.timestamp,
    maxTimestamp: input.timestamp,
    producerId: input.producerId,
    producerEpoch: input.producerEpoch,
    baseSequence: NO_SEQUENCE,
    records: [
      {
        attributes: 0,
        timestampDelta: 0,
        offsetDelta: 0,
        key: encodeControlRecordKey({ version: CONTROL_RECORD_KEY_VERSION, type: input.type }),
        value: encodeEndTxnMarker({
          version: END_TXN_MARKER_VERSION,
          coordinatorEpoch: input.coordinatorEpoch,
        }),
        headers: [],
      },
    ],
  };
}
