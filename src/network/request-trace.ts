import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';

/**
 * The diagnostics channel on which every finished request's RequestTrace is published, once its
 * response was handed to the socket (or, for a request with no response, once it settled).
 * Nothing subscribes in production: a profiler or benchmark does (see bench/broker/trace-hook.mjs).
 */
export const REQUEST_TRACE_CHANNEL = 'pyralog:request-trace';

const requestTraces = channel(REQUEST_TRACE_CHANNEL);

/**
 * When one request passed each stage of its life in the broker, on performance.now()'s clock (ms).
 * The network layer marks `received` (the read that completed its frame), `dispatched`, `settled`
 * and `written`; handlers add their own stages in between with `request.trace?.mark(...)`.
 * Only built while someone subscribes to REQUEST_TRACE_CHANNEL: otherwise the request carries no
 * trace and the hot path pays one property test per mark.
 */
export class RequestTrace {
  /** Stage names and times, in the order marked. */
  readonly marks: [stage: string, atMs: number][];

  constructor(
    readonly connectionId: string,
    readonly apiKey: number,
    readonly apiVersion: number,
    readonly correlationId: number,
    receivedMs: number,
  ) {
    this.marks = [['received', receivedMs]];
  }

  mark(stage: string): void {
    this.marks.push([stage, performance.now()]);
  }

  /** Marks the last stage and publishes the trace to REQUEST_TRACE_CHANNEL's subscribers. */
  finish(stage: string): void {
    this.mark(stage);
    requestTraces.publish(this);
  }
}

/** True while someone subscribes to REQUEST_TRACE_CHANNEL (checked per request, not cached). */
export function isRequestTracing(): boolean {
  return requestTraces.hasSubscribers;
}
