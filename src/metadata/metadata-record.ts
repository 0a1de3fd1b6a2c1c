import {
  ByteReader,
  ByteWriter,
  DecodeError,
  type MessageDescriptor,
  type MetadataRecords,
  MetadataRecordType,
  metadataRecordDescriptor,
} from '../protocol/index.js';
import {
  MetadataFrameError,
  UnknownMetadataRecordTypeError,
  UnsupportedMetadataRecordVersionError,
} from './metadata-errors.js';

/**
 * One metadata record with the version it is (or will be) written at: the discriminant `type` is the
 * record's apiKey, so `switch (record.type)` narrows `data` to the generated record interface.
 */
export type MetadataRecord = {
  [K in MetadataRecordType]: {
    readonly type: K;
    readonly version: number;
    readonly data: MetadataRecords[K];
  };
}[MetadataRecordType];

/** The frame version KRaft writes before every metadata record (Kafka's AbstractApiMessageSerde). */
export const METADATA_FRAME_VERSION = 1;

const RECORD_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(MetadataRecordType).map(([name, type]): [number, string] => [type, name]),
);

/** The spec name of a record type (`TopicRecord`), or `type <n>` for one this build does not know. */
export function metadataRecordName(type: number): string {
  return RECORD_NAMES.get(type) ?? `type ${type}`;
}

function descriptorFor(type: number, version: number): MessageDescriptor<unknown> {
  const descriptor = metadataRecordDescriptor(type);
  if (descriptor === undefined) throw new UnknownMetadataRecordTypeError(type);
  const { min, max } = descriptor.validVersions;
  if (version < min || version > max) {
    throw new UnsupportedMetadataRecordVersionError(descriptor.name, version, descriptor.validVersions);
  }
  return descriptor;
}

/** The version each record type is written at when the caller has no reason to pick another. */
export function latestMetadataRecordVersion(type: MetadataRecordType): number {
  return descriptorFor(type, 0).validVersions.max;
}

/**
 * Encodes a record as a KRaft metadata record value: unsigned varint frame version (1), unsigned
 * varint record type, unsigned varint record version, then the record body in that version. The
 * returned Buffer is new and owned by the caller. Throws UnknownMetadataRecordTypeError or
 * UnsupportedMetadataRecordVersionError for records this build cannot write, EncodeError for a value
 * that the chosen version cannot represent.
 */
export function encodeMetadataRecord(record: MetadataRecord): Buffer {
  const descriptor = descriptorFor(record.type, record.version);
  const writer = new ByteWriter();
  writer.unsignedVarint(METADATA_FRAME_VERSION);
  writer.unsignedVarint(record.type);
  writer.unsignedVarint(record.version);
  descriptor.encode(writer, record.version, record.data);
  return writer.toBuffer();
}

/**
 * Decodes one metadata record value written by encodeMetadataRecord (or by Kafka). The whole buffer
 * must be that record. Byte fields of the result are views of `value`. Throws MetadataFrameError for
 * a wrong frame version or trailing bytes, UnknownMetadataRecordTypeError,
 * UnsupportedMetadataRecordVersionError, or DecodeError for a truncated or malformed body.
 */
export function decodeMetadataRecord(value: Buffer): MetadataRecord {
  const reader = new ByteReader(value);
  const frameVersion = reader.unsignedVarint();
  if (frameVersion !== METADATA_FRAME_VERSION) {
    throw new MetadataFrameError(
      `metadata record frame version ${frameVersion}, expected ${METADATA_FRAME_VERSION}`,
    );
  }
  const type = reader.unsignedVarint();
  const version = reader.unsignedVarint();
  const descriptor = descriptorFor(type, version);
  const data = descriptor.decode(reader, version);
  if (reader.remaining !== 0) {
    throw new MetadataFrameError(`${descriptor.name} v${version} leaves ${reader.remaining} bytes unread`);
  }
  // descriptorFor checked that `type` is a key of the registry, and the descriptor decoded `data` as
  // that type's record: the pair is a MetadataRecord by construction.
  return { type, version, data } as MetadataRecord;
}

/** True for the errors decodeMetadataRecord raises on bytes it cannot read. */
export function isMetadataDecodeFailure(error: unknown): boolean {
  return (
    error instanceof DecodeError ||
    error instanceof MetadataFrameError ||
    error instanceof UnknownMetadataRecordTypeError ||
    error instanceof UnsupportedMetadataRecordVersionError
  );
}
