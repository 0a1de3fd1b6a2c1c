// Request tracing is off unless someone subscribes to REQUEST_TRACE_CHANNEL: then every request
// carries a RequestTrace that the network layer and the handler mark, published once answered.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, it } from 'node:test';
import { ApiKey } from '../protocol/index.js';
import {
  answerApiVersions,
  apiVersionsFrame,
  rawClient,
  startTestServer,
  waitFor,
} from './network-test-kit.js';
import type { NetworkRequest } from './request-handler.js';
import { REQUEST_TRACE_CHANNEL, type RequestTrace } from './request-trace.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serveAndAsk(count: number): Promise<NetworkRequest[]> {
  const seen: NetworkRequest[] = [];
  const started = await startTestServer(async (request) => {
    seen.push(request);
    request.trace?.mark('handled');
    return answerApiVersions(request);
  });
  cleanups.push(started.stop);
  const client = await rawClient(started.port);
  cleanups.push(client.destroy);
  client.socket.write(Buffer.concat(Array.from({ length: count }, (_, i) => apiVersionsFrame(i + 1))));
  await waitFor(() => client.frames.length === count, `${count} responses`);
  return seen;
}

describe('request traces', () => {
  it('are not built while nobody subscribes', async () => {
    const seen = await serveAndAsk(2);
    assert.deepEqual(
      seen.map((request) => request.trace),
      [undefined, undefined],
    );
  });

  it('carry each stage in order and are published once the response is written', async () => {
    const published: RequestTrace[] = [];
    const onTrace = (message: unknown): void => {
      published.push(message as RequestTrace);
    };
    subscribe(REQUEST_TRACE_CHANNEL, onTrace);
    cleanups.push(() => {
      unsubscribe(REQUEST_TRACE_CHANNEL, onTrace);
    });
    await serveAndAsk(3);
    await waitFor(() => published.length === 3, 'three traces');
    assert.deepEqual(
      published.map((trace) => [trace.apiKey, trace.correlationId]),
      [1, 2, 3].map((id) => [ApiKey.ApiVersions, id]),
    );
    for (const trace of published) {
      assert.deepEqual(
        trace.marks.map(([stage]) => stage),
        ['received', 'dispatched', 'handled', 'settled', 'written'],
      );
      const times = trace.marks.map(([, atMs]) => atMs);
      assert.deepEqual(
        times,
        [...times].sort((a, b) => a - b),
        'marks in time order',
      );
    }
  });
});
