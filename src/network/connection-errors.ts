import { PyralogError } from '../protocol/index.js';

/**
 * The connection closed (by either side, by an I/O error or by `close()`) before this request was
 * answered. Whether the request took effect on the broker is unknown. `cause` holds the socket error
 * or FrameError that closed it, when there was one.
 */
export class ConnectionClosedError extends PyralogError {
  readonly code = 'CONNECTION_CLOSED';
}

/** No TCP connection within `connectTimeoutMs`, or the connect attempt failed (`cause`). */
export class ConnectError extends PyralogError {
  readonly code = 'CONNECT_FAILED';
}

/**
 * No response within the request's timeout. The connection stays open: the late response, if it
 * comes, is read and dropped. Whether the request took effect on the broker is unknown.
 */
export class RequestTimeoutError extends PyralogError {
  readonly code = 'REQUEST_TIMEOUT';
}

/** The caller's AbortSignal fired before a response arrived; `cause` is the signal's reason. */
export class RequestAbortedError extends PyralogError {
  readonly code = 'REQUEST_ABORTED';
}

/** More requests waiting for an in-flight slot than `maxQueuedRequests` allows. */
export class RequestQueueFullError extends PyralogError {
  readonly code = 'REQUEST_QUEUE_FULL';
}
