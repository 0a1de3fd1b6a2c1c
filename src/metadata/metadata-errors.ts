import { PyralogError } from '../protocol/index.js';

/**
 * A metadata record value whose frame cannot be read: a frame version other than the one KRaft
 * writes, or bytes left over after the record body. The log entry holding it is corrupt.
 */
export class MetadataFrameError extends PyralogError {
  readonly code = 'METADATA_FRAME';
}

/** A record type id that this build has no codec for (written by a newer controller). */
export class UnknownMetadataRecordTypeError extends PyralogError {
  readonly code = 'UNKNOWN_METADATA_RECORD_TYPE';

  constructor(readonly recordType: number) {
    super(`unknown metadata record type ${recordType}`);
  }
}

/** A known record type at a version outside the range this build can read or write. */
export class UnsupportedMetadataRecordVersionError extends PyralogError {
  readonly code = 'UNSUPPORTED_METADATA_RECORD_VERSION';

  constructor(
    readonly recordName: string,
    readonly version: number,
    readonly supported: { readonly min: number; readonly max: number },
  ) {
    super(`${recordName} version ${version} is outside ${supported.min}-${supported.max}`);
  }
}

/**
 * A record that contradicts the image it is replayed onto (a partition of an unknown topic, a
 * duplicate topic id, a fence for an unknown broker, a producer id moving back). Replaying it would
 * leave an image no controller could have produced, so the whole batch is refused.
 */
export class MetadataReplayError extends PyralogError {
  readonly code = 'METADATA_REPLAY';
}

/** Batches that arrive out of order: an offset at or below the last applied one, or a gap. */
export class MetadataOffsetError extends PyralogError {
  readonly code = 'METADATA_OFFSET';
}

/** A publisher threw while handling an update; the loader stops with this error. */
export class MetadataPublisherError extends PyralogError {
  readonly code = 'METADATA_PUBLISHER';

  constructor(
    readonly publisherName: string,
    cause: unknown,
  ) {
    super(`metadata publisher ${publisherName} failed`, { cause });
  }
}

/**
 * A metadata snapshot file that cannot be trusted: a batch failing its CRC or torn, a missing
 * header or footer, offsets out of order, or a record that does not decode. The reader falls back to
 * an older snapshot or to the log.
 */
export class MetadataSnapshotCorruptError extends PyralogError {
  readonly code = 'METADATA_SNAPSHOT_CORRUPT';
}
