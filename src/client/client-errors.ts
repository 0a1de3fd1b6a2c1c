// Failures of the client itself (not Kafka error codes, which are KafkaError values from src/protocol).
import { PyralogError } from '../protocol/index.js';

/** No bootstrap server or known broker could be reached; `cause` holds the last connect error. */
export class NoBrokerAvailableError extends PyralogError {
  readonly code = 'NO_BROKER_AVAILABLE';
}

/** The client, producer or consumer was closed; work still pending rejects with this. */
export class ClientClosedError extends PyralogError {
  readonly code = 'CLIENT_CLOSED';
}

/** The broker and this build share no version of an API the operation needs. */
export class UnsupportedApiError extends PyralogError {
  readonly code = 'UNSUPPORTED_API';
}

/**
 * The producer's buffer (`bufferMemory`) stayed full for `maxBlockMs`, or a single record is larger
 * than the buffer or `maxRequestSize` allows. Nothing of the record was sent.
 */
export class BufferExhaustedError extends PyralogError {
  readonly code = 'BUFFER_EXHAUSTED';
}

/** An operation gave up after its retries or its overall deadline; `cause` is the last failure. */
export class RetriesExhaustedError extends PyralogError {
  readonly code = 'RETRIES_EXHAUSTED';
}

/** An operation was cancelled through its AbortSignal; `cause` is the signal's reason. */
export class OperationAbortedError extends PyralogError {
  readonly code = 'OPERATION_ABORTED';
}

/** A bad argument to a client call (e.g. an empty topic list, a negative partition count). */
export class InvalidArgumentError extends PyralogError {
  readonly code = 'INVALID_ARGUMENT';
}
