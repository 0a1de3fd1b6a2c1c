import type { ApiKey, RequestHeader } from '../protocol/index.js';
import type { BufferPool } from './buffer-pool.js';
import type { ConnectionInfo, NetworkRequest } from './request-handler.js';
import type { RequestTrace } from './request-trace.js';

/**
 * A request a ServerConnection read and handed to the handler, and its place in the connection's
 * response order until answered. One object per request, with its methods on the prototype: this
 * runs for every request, so no closures per request.
 */
export class InFlightRequest implements NetworkRequest {
  readonly apiKey: ApiKey;
  readonly apiVersion: number;
  /** The handler's promise settled: `response` is the answer (null: none to write). */
  isSettled = false;
  response: Buffer[] | null = null;
  /** What the handler registered through afterResponseWritten, run once the response was written. */
  releases: (() => void)[] | undefined;

  constructor(
    readonly header: RequestHeader,
    readonly frame: Buffer,
    readonly bodyOffset: number,
    readonly connection: ConnectionInfo,
    readonly trace: RequestTrace | undefined,
    /** The pooled buffer `frame` lies in (undefined: a view of a socket read), until recycled. */
    private pooledFrame: Buffer | undefined,
    private readonly framePool: BufferPool | undefined,
  ) {
    this.apiKey = header.requestApiKey as ApiKey;
    this.apiVersion = header.requestApiVersion;
  }

  get isFrameRecyclable(): boolean {
    return this.pooledFrame !== undefined;
  }

  afterResponseWritten(release: () => void): void {
    this.releases ??= [];
    this.releases.push(release);
  }

  /** Gives the pooled buffer back once: a second call must not hand it out twice. */
  recycleFrame(): void {
    if (this.pooledFrame === undefined) return;
    this.framePool?.give(this.pooledFrame);
    this.pooledFrame = undefined;
  }
}
