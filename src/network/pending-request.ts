import type { ApiKey } from '../protocol/index.js';
import { RequestAbortedError, RequestTimeoutError } from './connection-errors.js';

/**
 * One request of a KafkaConnection between the call and its answer: the caller's promise, its timer
 * and its abort listener. It settles exactly once (answer, timeout, abort or close); whichever comes
 * first wins and the others are no-ops. `onGiveUp` runs when a timeout or abort settles it, so the
 * connection can drop it from its send queue if it was not sent yet.
 */
export class PendingRequest {
  private isSettled = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort: (() => void) | undefined;

  constructor(
    readonly correlationId: number,
    readonly apiKey: ApiKey,
    readonly apiVersion: number,
    /** False for a request that gets no response (Produce acks=0). */
    readonly expectsResponse: boolean,
    readonly chunks: Buffer[],
    timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
    private readonly onResolve: (body: unknown) => void,
    private readonly onReject: (error: Error) => void,
    onGiveUp: (request: PendingRequest) => void,
  ) {
    this.timer = setTimeout(() => {
      if (
        this.reject(
          new RequestTimeoutError(`no response to correlation id ${correlationId} in ${timeoutMs} ms`),
        )
      ) {
        onGiveUp(this);
      }
    }, timeoutMs);
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

  /** Rejects unless already settled; returns whether this call settled it. */
  reject(error: Error): boolean {
    if (!this.settle()) return false;
    this.onReject(error);
    return true;
  }

  private settle(): boolean {
    if (this.isSettled) return false;
    this.isSettled = true;
    clearTimeout(this.timer);
    if (this.onAbort !== undefined) this.signal?.removeEventListener('abort', this.onAbort);
    return true;
  }
}
