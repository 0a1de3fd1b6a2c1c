// Proves KafkaConnection against a real SocketServer on loopback: request/response round trips through
// the generated codecs, ApiVersions negotiation with the v0 UNSUPPORTED_VERSION fallback, pipelining
// with a bound, requests without responses, and typed errors for timeout, abort, close and connect.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { ApiKey } from '../protocol/index.js';
import { negotiateApiVersions } from './api-versions-negotiation.js';
import {
  ConnectError,
  ConnectionClosedError,
  RequestAbortedError,
  RequestTimeoutError,
} from './connection-errors.js';
import { KafkaConnection, type KafkaConnectionOptions } from './kafka-connection.js';
import { answerApiVersions, startTestServer, waitFor, within } from './network-test-kit.js';
import type { NetworkRequest, RequestHandler } from './request-handler.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const body = { clientSoftwareName: 'pyralog-test', clientSoftwareVersion: '0.1.0' };

async function serveAndConnect(
  handler: RequestHandler,
  options: Partial<KafkaConnectionOptions> = {},
): Promise<KafkaConnection> {
  const started = await startTestServer(handler);
  cleanups.push(started.stop);
  const connection = await KafkaConnection.connect({ host: '127.0.0.1', port: started.port, ...options });
  cleanups.push(() => connection.close());
  return connection;
}

/** A handler that holds every request until the test releases it. */
function holdingHandler(): {
  handler: RequestHandler;
  held: NetworkRequest[];
  release: (index: number) => void;
} {
  const held: NetworkRequest[] = [];
  const resolvers: Array<(response: Buffer[]) => void> = [];
  return {
    held,
    handler: (request) =>
      new Promise((resolve) => {
        held.push(request);
        resolvers.push(resolve);
      }),
    release: (index) => resolvers[index]!(answerApiVersions(held[index]!)),
  };
}

describe('KafkaConnection', () => {
  it('round-trips ApiVersions through the generated codecs', async () => {
    let seen: NetworkRequest | undefined;
    const connection = await serveAndConnect(
      async (request) => {
        seen = request;
        return answerApiVersions(request);
      },
      { clientId: 'round-trip' },
    );
    const response = await connection.request(ApiKey.ApiVersions, 3, body);
    assert.equal(response.errorCode, 0);
    assert.ok(response.apiKeys.some((entry) => entry.apiKey === ApiKey.Fetch && entry.maxVersion > 10));
    assert.equal(seen?.header.clientId, 'round-trip');
    assert.equal(seen?.connection.clientSoftwareName, 'pyralog-test');
  });

  it('negotiates versions and falls back when the broker answers UNSUPPORTED_VERSION at v0', async () => {
    const versions: number[] = [];
    const connection = await serveAndConnect(async (request) => {
      versions.push(request.apiVersion);
      return answerApiVersions(request, 2);
    });
    const negotiated = await negotiateApiVersions(connection, body);
    assert.deepEqual(versions, [versions[0], 2]);
    assert.ok(versions[0]! > 2);
    assert.equal(negotiated.apiVersionsVersion, 2);
    assert.equal(negotiated.versionFor(ApiKey.ApiVersions), 2);
    assert.ok((negotiated.versionFor(ApiKey.Produce) ?? -1) >= 9);
  });

  it('pipelines many requests and matches each response to its request', async () => {
    const connection = await serveAndConnect(async (request) => answerApiVersions(request), {
      maxInFlightRequests: 8,
    });
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => connection.request(ApiKey.ApiVersions, 3, body)),
    );
    // The test responder echoes the correlation id in throttleTimeMs; ids follow call order.
    assert.deepEqual(
      responses.map((response) => response.throttleTimeMs),
      Array.from({ length: 200 }, (_, i) => i),
    );
  });

  it('keeps at most maxInFlightRequests unanswered on the wire', async () => {
    const holder = holdingHandler();
    const connection = await serveAndConnect(holder.handler, { maxInFlightRequests: 3 });
    const requests = Array.from({ length: 5 }, () => connection.request(ApiKey.ApiVersions, 3, body));
    await waitFor(() => holder.held.length === 3, 'three requests at the server');
    assert.equal(connection.outstandingRequests, 5);
    holder.release(0);
    await waitFor(() => holder.held.length === 4, 'a fourth request once a slot freed');
    for (const index of [1, 2, 3]) holder.release(index);
    await waitFor(() => holder.held.length === 5, 'the fifth request');
    holder.release(4);
    assert.equal((await Promise.all(requests)).length, 5);
  });

  it('sends requests that expect no response, in order with the others', async () => {
    const seen: number[] = [];
    const connection = await serveAndConnect(async (request) => {
      seen.push(request.apiKey);
      return request.apiKey === ApiKey.Produce ? null : answerApiVersions(request);
    });
    await connection.send(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [],
    });
    const response = await connection.request(ApiKey.ApiVersions, 3, body);
    assert.equal(response.errorCode, 0);
    assert.deepEqual(seen, [ApiKey.Produce, ApiKey.ApiVersions]);
  });

  it('times a request out with a typed error and drops its late response', async () => {
    const holder = holdingHandler();
    const connection = await serveAndConnect(holder.handler);
    const slow = connection.request(ApiKey.ApiVersions, 3, body, { timeoutMs: 30 });
    await assert.rejects(slow, RequestTimeoutError);
    const next = connection.request(ApiKey.ApiVersions, 3, body);
    await waitFor(() => holder.held.length === 2, 'the second request');
    holder.release(0);
    holder.release(1);
    assert.equal((await next).throttleTimeMs, 1);
    assert.ok(connection.isOpen);
  });

  it('times requests out in deadline order from one timer per connection, not one per request', async () => {
    const holder = holdingHandler();
    const connection = await serveAndConnect(holder.handler, { maxInFlightRequests: 2 });
    const timersBefore = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const order: number[] = [];
    const timingOut = [60, 20, 40].map((timeoutMs) =>
      assert
        .rejects(connection.request(ApiKey.ApiVersions, 3, body, { timeoutMs }), RequestTimeoutError)
        .then(() => order.push(timeoutMs)),
    );
    const lasting = assert.rejects(
      connection.request(ApiKey.ApiVersions, 3, body, { timeoutMs: 20_000 }),
      ConnectionClosedError,
    );
    const timersAfter = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    assert.ok(timersAfter <= timersBefore, `${timersAfter - timersBefore} timers armed for 4 requests`);
    await Promise.all(timingOut);
    assert.deepEqual(order, [20, 40, 60]);
    assert.equal(connection.outstandingRequests, 3, 'the 2 sent stay in flight until answered');
    await connection.close();
    await lasting;
    assert.equal(connection.outstandingRequests, 0);
  });

  it('rejects an aborted request, sent or still queued, with RequestAbortedError', async () => {
    const holder = holdingHandler();
    const connection = await serveAndConnect(holder.handler, { maxInFlightRequests: 1 });
    const sentController = new AbortController();
    const queuedController = new AbortController();
    const sent = connection.request(ApiKey.ApiVersions, 3, body, { signal: sentController.signal });
    const queued = connection.request(ApiKey.ApiVersions, 3, body, { signal: queuedController.signal });
    await waitFor(() => holder.held.length === 1, 'the first request');
    queuedController.abort(new Error('not needed'));
    sentController.abort();
    await assert.rejects(sent, RequestAbortedError);
    await assert.rejects(queued, RequestAbortedError);
    await assert.rejects(
      connection.request(ApiKey.ApiVersions, 3, body, { signal: AbortSignal.abort() }),
      RequestAbortedError,
    );
    holder.release(0);
    const after = connection.request(ApiKey.ApiVersions, 3, body);
    await waitFor(() => holder.held.length === 2, 'the request after the aborted ones');
    // Ids 0 and 1 went to the aborted requests (the pre-aborted one got none): 1 was never sent.
    assert.equal(holder.held[1]!.header.correlationId, 2, 'the aborted queued request was never sent');
    holder.release(1);
    assert.equal((await after).errorCode, 0);
  });

  it('rejects in-flight requests with ConnectionClosedError when the server closes', async () => {
    const started = await startTestServer(() => new Promise(() => {}));
    const connection = await KafkaConnection.connect({ host: '127.0.0.1', port: started.port });
    const pending = connection.request(ApiKey.ApiVersions, 3, body);
    await waitFor(() => started.server.metrics.requestsReceived === 1, 'the request at the server');
    await started.server.shutdown({ timeoutMs: 20 });
    await assert.rejects(pending, ConnectionClosedError);
    await within(connection.closed, 'the client side to close');
    await assert.rejects(connection.request(ApiKey.ApiVersions, 3, body), ConnectionClosedError);
  });

  it('rejects unanswered requests on close() and closes cleanly', async () => {
    const holder = holdingHandler();
    const connection = await serveAndConnect(holder.handler);
    const pending = connection.request(ApiKey.ApiVersions, 3, body);
    await waitFor(() => holder.held.length === 1, 'the request');
    const others = Array.from({ length: 3 }, () =>
      assert.rejects(connection.request(ApiKey.ApiVersions, 3, body), ConnectionClosedError),
    );
    const rejected = assert.rejects(pending, ConnectionClosedError);
    await within(connection.close(), 'close');
    await rejected;
    await Promise.all(others);
    assert.equal(connection.isOpen, false);
    assert.equal(connection.outstandingRequests, 0);
  });

  it('closes on a response frame over maxResponseBytes', async () => {
    const connection = await serveAndConnect(async (request) => answerApiVersions(request), {
      maxResponseBytes: 64,
    });
    await assert.rejects(connection.request(ApiKey.ApiVersions, 3, body), (error: unknown) => {
      return (
        error instanceof ConnectionClosedError && (error.cause as { code?: string }).code === 'FRAME_ERROR'
      );
    });
  });

  it('fails to connect with ConnectError when nothing listens or the attempt is aborted', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await assert.rejects(KafkaConnection.connect({ host: '127.0.0.1', port }), ConnectError);
    await assert.rejects(
      KafkaConnection.connect({ host: '127.0.0.1', port, signal: AbortSignal.abort() }),
      ConnectError,
    );
  });
});
