import type { ApiKey, RequestHeader } from '../protocol/index.js';
import type { SecurityProtocol } from './listener-config.js';
import type { RequestTrace } from './request-trace.js';

/**
 * What a handler may know about the connection a request came on. The network layer sets every
 * field except the client software ones, which the ApiVersions handler (v3+) fills in.
 */
export interface ConnectionInfo {
  /** Unique per SocketServer, e.g. `PLAINTEXT-7`. */
  readonly id: string;
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The client id of the latest request header (null when the header had none). */
  clientId: string | null;
  /** From ApiVersions v3+ (`clientSoftwareName`), set by the broker's handler; null until then. */
  clientSoftwareName: string | null;
  clientSoftwareVersion: string | null;
}

/** One request frame whose header decoded, handed to the RequestHandler. */
export interface NetworkRequest {
  readonly header: RequestHeader;
  /** A key the registry knows; the version may still be unsupported (answer UNSUPPORTED_VERSION). */
  readonly apiKey: ApiKey;
  readonly apiVersion: number;
  /**
   * The whole frame without its size prefix. The handler owns it from now on: the body decodes from
   * `new ByteReader(frame, bodyOffset)` and its records may stay views of it (no copy), for as long as
   * needed (e.g. until appended to a log). The network layer never reuses or modifies it.
   */
  readonly frame: Buffer;
  /** Offset in `frame` where the body starts (just after the header). */
  readonly bodyOffset: number;
  readonly connection: ConnectionInfo;
  /**
   * Present only while someone subscribes to request traces (profiling, benchmarks): handlers mark
   * their stages with `request.trace?.mark('appended')`. Undefined in production.
   */
  readonly trace?: RequestTrace | undefined;
  /**
   * Registers `release` to run once this request's response was handed to the kernel in full (or
   * at once when there is no response to write): from then on nothing reads the buffers the response
   * was built from, so a handler may lend pooled buffers to it (fetch reads) and take them back here.
   * Never runs when the connection closes first: such buffers are left to the garbage collector.
   */
  afterResponseWritten(release: () => void): void;
  /**
   * True when `frame` lies in memory the network layer would reuse once recycled (a frame assembled
   * from several socket reads into a pooled buffer); false for a view of one socket read, for which
   * `recycleFrame` does nothing, so a handler may skip waiting for the moment to call it (a produce
   * of small batches then registers nothing per request).
   */
  readonly isFrameRecyclable: boolean;
  /**
   * Says that nothing refers to `frame` (nor to any view of it, e.g. records) any more, nor will:
   * the network layer may reuse its memory for a later request's bytes. Optional: a frame never
   * recycled is left to the garbage collector (what every handler but Produce does). Call it only
   * once every holder is done, e.g. a log's write of the records (and the log keeps no view of them
   * once written); a frame that is a view of a socket read is not reused, so then nothing happens.
   */
  recycleFrame(): void;
}

/**
 * The broker's entry point, called once per request frame.
 *
 * Ordering: calls happen synchronously in the order the frames arrived on a connection, so work a
 * handler enqueues before its first `await` keeps the connection's order (Kafka processes a
 * connection's requests in order; idempotent produce relies on it). The returned promises may settle
 * in any order; responses are written in request order regardless.
 *
 * Result: the whole response frame as chunks INCLUDING the int32 size prefix (what `encodeResponse`
 * returns); the chunks are written with one vectored write and not copied, so they must not change
 * until written. `null` means no response (Produce with acks=0).
 *
 * Errors: the handler must never throw or reject. Every failure, including an unexpected exception,
 * is its to turn into a Kafka error code in a response (e.g. UNKNOWN_SERVER_ERROR), because only it
 * knows the response's shape. If it throws anyway, the network layer cannot answer (it cannot build
 * the body, and skipping the response would desynchronise clients that match responses to requests in
 * order), so it logs the error once and closes that connection; other connections are unaffected.
 */
export type RequestHandler = (request: NetworkRequest) => Promise<Buffer[] | null>;
