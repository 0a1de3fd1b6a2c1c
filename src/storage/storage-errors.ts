import { PyralogError } from '../protocol/index.js';

/** A file or directory the storage engine expected is missing. */
export class FileNotFoundError extends PyralogError {
  readonly code = 'FILE_NOT_FOUND';
}

/** Another process (or another LogManager in this one) holds a log directory's lock. */
export class LogDirLockedError extends PyralogError {
  readonly code = 'LOG_DIR_LOCKED';
}

/** A checkpoint or index file that does not parse; the caller rebuilds or refuses to start. */
export class CorruptStorageFileError extends PyralogError {
  readonly code = 'CORRUPT_STORAGE_FILE';
}

/** An append the log must refuse: offsets going backwards, a batch that is not valid, a closed log. */
export class InvalidAppendError extends PyralogError {
  readonly code = 'INVALID_APPEND';
}

/** The log was closed (or failed) while an operation was queued or in flight. */
export class LogClosedError extends PyralogError {
  readonly code: string = 'LOG_CLOSED';
}

/** An I/O error failed the log: its files are in an unknown state and it refuses everything. */
export class LogFailedError extends LogClosedError {
  override readonly code = 'LOG_FAILED';
}

/** A topic config value of the wrong type or outside its range. */
export class InvalidConfigError extends PyralogError {
  readonly code = 'INVALID_CONFIG';
}
