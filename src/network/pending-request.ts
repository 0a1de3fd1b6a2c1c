import type { ApiKey } from '../protocol/index.js';
import { RequestAbortedError, RequestTimeoutError } from './connection-errors.js';

/**
 * One request of a KafkaConnection between the call and its answer: the caller's promise, its
 * deadline and its abort listener. It settles exactly once (answer, timeout, abort or close);
 * whichever comes first wins and the others are no-ops. It arms no timer of its own: the connection
 * sweeps its requests' deadlines with one timer (`expireAt`). `onGiveUp` runs when a timeout or
 * abort settles it, so the connection can drop it from its send queue if it was not sent yet.
 */
export class PendingRequest {
  private isSettled = false;
  private readonly onAbort: (() => void) | undefined;

  constructor(
    readonly correlationId: number,
    readonly apiKey: ApiKey,
    readonly apiVersion: number,
    /** False for a request that gets no response (Produce acks=0). */
    readonly expectsResponse: boolean,
    readonly chunks: Buffer[],
    private readonly timeoutMs: number,
    /** When the request times out, on the connection's clock (ms). */
    readonly deadlineMs: number,
    private readonly signal: AbortSignal | undefined,
    private readonly onResolve: (body: unknown) => void,
    private readonly onReject: (error: Error) => void,
    private readonly onGiveUp: (request: PendingRequest) => void,
  ) {
    if (signal !== undefined) {
      this.onAbort = () => {
        if (this.reject(new RequestAbortedError('request aborted', { cause: signal.reason }))) onGiveUp(this);
      };
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /** True once the caller's promise has settled; a response arriving later is dropped. */
  get settled(): boolean {
    return this.isSettled;
  }

  resolve(body: unknown): void {
    if (this.settle()) this.onResolve(body);
  }

  /** Times the request out with RequestTimeoutError when `nowMs` reached its deadline; returns whether it did. */
  expireAt(nowMs: number): boolean {
    if (this.isSettled || nowMs < this.deadlineMs) return false;
    const error = new RequestTimeoutError(
      `no response to correlation id ${this.correlationId} in ${this.timeoutMs} ms`,
    );
    if (this.reject(error)) this.onGiveUp(this);
    return true;
  }

  /** Rejects unless already settled; returns whether this call settled it. */
  reject(error: Error): boolean {
    if (!this.settle()) return false;
    this.onReject(error);
    return true;
  }

  private settle(): boolean {
    if (this.isSettled) return false;
    this.isSettled = true;
    if (this.onAbort !== undefined) this.signal?.removeEventListener('abort', this.onAbort);
    return true;
  }
}
