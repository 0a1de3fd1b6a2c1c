// Proves SocketServer's contracts over real loopback sockets on port 0: an untrustworthy frame closes
// only its own connection (counted, logged once), responses leave in request order whatever order
// handlers finish in, the in-flight bound holds, idle connections close, max.connections is enforced,
// and shutdown lets in-flight requests finish before closing. No sleeps: events or polls with deadlines.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ApiKey, encodeResponse } from '../protocol/index.js';
import { KafkaConnection } from './kafka-connection.js';
import {
  answerApiVersions,
  apiVersionsFrame,
  capturingLogger,
  rawClient,
  startTestServer,
  waitFor,
  within,
} from './network-test-kit.js';
import type { NetworkRequest } from './request-handler.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(...args: Parameters<typeof startTestServer>): ReturnType<typeof startTestServer> {
  const started = await startTestServer(...args);
  cleanups.push(started.stop);
  return started;
}

async function raw(port: number): ReturnType<typeof rawClient> {
  const client = await rawClient(port);
  cleanups.push(client.destroy);
  return client;
}

async function kafka(port: number): Promise<KafkaConnection> {
  const connection = await KafkaConnection.connect({ host: '127.0.0.1', port, clientId: 'test' });
  cleanups.push(() => connection.close());
  return connection;
}

const correlationIds = (frames: Buffer[]): number[] => frames.map((frame) => frame.readInt32BE(0));

function sizePrefix(size: number): Buffer {
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeInt32BE(size);
  return prefix;
}

const frameErrorLogs = (records: Array<{ msg: string }>): number =>
  records.filter((record) => record.msg.includes('frame cannot be trusted')).length;

describe('SocketServer bad frames', () => {
  for (const [name, bytes] of [
    ['a size over socket.request.max.bytes', sizePrefix(1025)],
    ['a negative size', sizePrefix(-1)],
    ['a size below the smallest header', sizePrefix(3)],
    ['an unknown API key', Buffer.concat([sizePrefix(8), Buffer.from([0x7f, 0x7f, 0, 0, 0, 0, 0, 1])])],
    ['a truncated header', Buffer.concat([sizePrefix(9), Buffer.from([0, 18, 0, 1, 0, 0, 0, 1, 0])])],
  ] as const) {
    it(`closes only the connection that sent ${name}, counts it and logs it once`, async () => {
      const { logger, records } = capturingLogger();
      const { server: socketServer, port } = await server(async (request) => answerApiVersions(request), {
        logger,
        socketRequestMaxBytes: 1024,
      });
      const good = await kafka(port);
      assert.equal(
        (await good.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'a', clientSoftwareVersion: '1' }))
          .errorCode,
        0,
      );
      const bad = await raw(port);
      bad.socket.write(bytes);
      bad.socket.write(Buffer.alloc(2000, 0xff));
      await within(bad.closed, 'the bad connection to close');
      const response = await good.request(ApiKey.ApiVersions, 3, {
        clientSoftwareName: 'a',
        clientSoftwareVersion: '1',
      });
      assert.equal(response.errorCode, 0);
      assert.equal(socketServer.metrics.frameErrors, 1);
      assert.equal(frameErrorLogs(records), 1);
      assert.equal(socketServer.connectionCount, 1);
    });
  }

  it('closes a connection whose handler throws, logs it, and keeps serving the others', async () => {
    const { logger, records } = capturingLogger();
    const { server: socketServer, port } = await server(
      async (request) => {
        if (request.header.clientId === 'raw-client') throw new Error('handler bug');
        return answerApiVersions(request);
      },
      { logger },
    );
    const good = await kafka(port);
    const bad = await raw(port);
    bad.socket.write(apiVersionsFrame(1));
    await within(bad.closed, 'the connection of the failed handler to close');
    assert.equal(socketServer.metrics.handlerFailures, 1);
    assert.equal(records.filter((record) => record.msg.includes('request handler threw')).length, 1);
    const response = await good.request(ApiKey.ApiVersions, 0, {
      clientSoftwareName: '',
      clientSoftwareVersion: '',
    });
    assert.equal(response.errorCode, 0);
  });
});

describe('SocketServer ordering and back-pressure', () => {
  it('answers 1,000 pipelined requests in request order although handlers finish in random order', async () => {
    const held: Array<{ request: NetworkRequest; resolve: (response: Buffer[]) => void }> = [];
    const { port } = await server((request) => new Promise((resolve) => held.push({ request, resolve })), {
      maxInFlightRequestsPerConnection: 1000,
    });
    const client = await raw(port);
    client.socket.write(Buffer.concat(Array.from({ length: 1000 }, (_, i) => apiVersionsFrame(i))));
    await waitFor(() => held.length === 1000, 'all 1,000 requests to reach the handler');
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    while (held.length > 0) {
      const [next] = held.splice(random(held.length), 1);
      next!.resolve(answerApiVersions(next!.request));
      if (random(4) === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => client.frames.length === 1000, 'all 1,000 responses');
    assert.deepEqual(
      correlationIds(client.frames),
      Array.from({ length: 1000 }, (_, i) => i),
    );
  });

  it('skips requests answered with null (acks=0) and keeps the order of the rest', async () => {
    const { port } = await server(async (request) =>
      request.header.correlationId % 2 === 0 ? null : answerApiVersions(request),
    );
    const client = await raw(port);
    client.socket.write(Buffer.concat(Array.from({ length: 6 }, (_, i) => apiVersionsFrame(i))));
    await waitFor(() => client.frames.length === 3, 'the three answered requests');
    assert.deepEqual(correlationIds(client.frames), [1, 3, 5]);
  });

  it('runs at most N handlers at once on a connection when the in-flight bound is N', async () => {
    let running = 0;
    let maxRunning = 0;
    const { server: socketServer, port } = await server(
      async (request) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running -= 1;
        return answerApiVersions(request);
      },
      { maxInFlightRequestsPerConnection: 4 },
    );
    const client = await raw(port);
    client.socket.write(Buffer.concat(Array.from({ length: 60 }, (_, i) => apiVersionsFrame(i))));
    await waitFor(() => client.frames.length === 60, 'all 60 responses');
    assert.equal(maxRunning, 4);
    assert.ok(socketServer.metrics.readPauses > 0);
    assert.deepEqual(
      correlationIds(client.frames),
      Array.from({ length: 60 }, (_, i) => i),
    );
  });
});

describe('SocketServer write back-pressure', () => {
  it('stops reading while unflushed responses exceed the high-water mark and resumes on drain', async () => {
    // Large enough that the kernel's loopback buffers cannot absorb the first batch of answers.
    const big = Buffer.alloc(1024 * 1024, 1);
    const { server: socketServer, port } = await server(
      async (request) => {
        const header = Buffer.allocUnsafe(8);
        header.writeInt32BE(4 + big.length, 0);
        header.writeInt32BE(request.header.correlationId, 4);
        return [header, big];
      },
      { maxInFlightRequestsPerConnection: 1000, writeHighWaterMarkBytes: 64 * 1024 },
    );
    const client = await raw(port);
    client.socket.pause();
    const frames = Array.from({ length: 40 }, (_, i) => apiVersionsFrame(i));
    client.socket.write(Buffer.concat(frames.slice(0, 20)));
    await waitFor(() => socketServer.metrics.readPauses > 0, 'the server to pause reading');
    assert.equal(socketServer.metrics.requestsReceived, 20);
    client.socket.write(Buffer.concat(frames.slice(20)));
    // A check that something does NOT happen needs a window: the 20 later requests stay unread.
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(socketServer.metrics.requestsReceived, 20);
    client.socket.resume();
    await waitFor(() => client.frames.length === 40, 'all 40 responses after the client reads again');
    assert.deepEqual(
      correlationIds(client.frames),
      Array.from({ length: 40 }, (_, i) => i),
    );
    assert.ok(client.frames.every((frame) => frame.length === 4 + big.length));
  });
});

describe('SocketServer afterResponseWritten', () => {
  it('gives lent buffers back only once their response was written, so reuse never changes sent bytes', async () => {
    // The handler lends 1 MiB buffers from a free list, as fetch does with its read buffers; a buffer
    // given back is poisoned and then reused for the next response. A release before the kernel took
    // the bytes would let the client see poison or another response's bytes.
    const size = 1024 * 1024;
    const free: Buffer[] = [];
    let allocated = 0;
    let released = 0;
    const { port } = await server(
      async (request) => {
        const id = request.header.correlationId;
        let lent = free.pop();
        if (lent === undefined) {
          lent = Buffer.allocUnsafe(size);
          allocated += 1;
        }
        lent.fill(id & 0xff);
        const held = lent;
        request.afterResponseWritten(() => {
          held.fill(0xee);
          free.push(held);
          released += 1;
        });
        const header = Buffer.allocUnsafe(8);
        header.writeInt32BE(4 + size, 0);
        header.writeInt32BE(id, 4);
        return [header, held];
      },
      { maxInFlightRequestsPerConnection: 1000, writeHighWaterMarkBytes: 256 * 1024 * 1024 },
    );
    const client = await raw(port);
    client.socket.pause();
    const count = 40;
    const frames = Array.from({ length: count }, (_, i) => apiVersionsFrame(i));
    // The first half waits unread (more than the kernel buffers hold), nothing can be given back yet.
    client.socket.write(Buffer.concat(frames.slice(0, count / 2)));
    await waitFor(() => allocated === count / 2, 'the first half handled');
    assert.equal(released, 0);
    client.socket.resume();
    // The second half reuses buffers given back while later responses of the first still wait.
    await waitFor(() => released > 0, 'a first buffer given back');
    client.socket.write(Buffer.concat(frames.slice(count / 2)));
    await waitFor(() => client.frames.length === count, 'all responses');
    await waitFor(() => released === count, 'every buffer given back');
    assert.ok(allocated < count, `buffers were reused (${allocated} allocated for ${count} responses)`);
    for (const [index, frame] of client.frames.entries()) {
      assert.equal(frame.readInt32BE(0), index);
      const body = frame.subarray(4);
      assert.equal(body.length, size);
      assert.ok(
        body.every((byte) => byte === (index & 0xff)),
        `response ${index} kept its own bytes`,
      );
    }
  });

  it('runs the release of a request answered with null (no response) at once', async () => {
    let released = 0;
    const { port } = await server(async (request) => {
      request.afterResponseWritten(() => {
        released += 1;
      });
      return request.header.correlationId === 0 ? null : answerApiVersions(request);
    });
    const client = await raw(port);
    client.socket.write(Buffer.concat([apiVersionsFrame(0), apiVersionsFrame(1)]));
    await waitFor(() => client.frames.length === 1 && released === 2, 'one response, both released');
    assert.deepEqual(correlationIds(client.frames), [1]);
  });
});

describe('SocketServer frame recycling', () => {
  /** An ApiVersions v3 request header (header v2, null client id) and `bodyBytes` filled with the id. */
  function largeFrame(correlationId: number, bodyBytes: number): Buffer {
    const frame = Buffer.alloc(4 + 11 + bodyBytes, correlationId & 0xff);
    frame.writeInt32BE(11 + bodyBytes, 0);
    frame.writeInt16BE(ApiKey.ApiVersions, 4);
    frame.writeInt16BE(3, 6);
    frame.writeInt32BE(correlationId, 8);
    frame.writeInt16BE(-1, 12);
    frame.writeUInt8(0, 14);
    return frame;
  }

  async function sendSequentially(
    recycle: boolean,
  ): Promise<{ buffers: Set<ArrayBufferLike>; intact: boolean }> {
    const buffers = new Set<ArrayBufferLike>();
    let intact = true;
    const { port } = await server(async (request) => {
      const id = request.header.correlationId;
      if (!request.isFrameRecyclable) intact = false;
      buffers.add(request.frame.buffer);
      if (!request.frame.subarray(11).every((byte) => byte === (id & 0xff))) intact = false;
      if (recycle) request.afterResponseWritten(() => request.recycleFrame());
      const response = Buffer.allocUnsafe(8);
      response.writeInt32BE(4, 0);
      response.writeInt32BE(id, 4);
      return [response];
    });
    const client = await raw(port);
    for (let id = 0; id < 8; id += 1) {
      // Written in pieces, so that the frame spans socket reads and is assembled by a copy.
      const frame = largeFrame(id, 300 * 1024);
      for (let at = 0; at < frame.length; at += 50 * 1024)
        client.socket.write(frame.subarray(at, at + 50 * 1024));
      await waitFor(() => client.frames.length === id + 1, `response ${id}`);
    }
    return { buffers, intact };
  }

  it('assembles large frames in pooled buffers and reuses one once its handler recycled it', async () => {
    const recycled = await sendSequentially(true);
    assert.ok(recycled.intact, 'every frame carried its own bytes');
    assert.ok(recycled.buffers.size < 8, `memory reused (${recycled.buffers.size} buffers for 8 frames)`);
    const kept = await sendSequentially(false);
    assert.ok(kept.intact);
    assert.equal(kept.buffers.size, 8, 'a frame never recycled is never reused');
  });

  it('says a frame within one socket read is not recyclable (it is a view of that read)', async () => {
    const recyclable: boolean[] = [];
    const { port } = await server(async (request) => {
      recyclable.push(request.isFrameRecyclable);
      request.recycleFrame(); // does nothing for such a frame
      return answerApiVersions(request);
    });
    const client = await raw(port);
    client.socket.write(Buffer.concat([apiVersionsFrame(0), apiVersionsFrame(1)]));
    await waitFor(() => client.frames.length === 2, 'both responses');
    assert.deepEqual(recyclable, [false, false]);
    assert.deepEqual(correlationIds(client.frames), [0, 1]);
  });
});

describe('SocketServer connection lifecycle', () => {
  it('closes a connection idle for connections.max.idle.ms', async () => {
    const { server: socketServer, port } = await server(async (request) => answerApiVersions(request), {
      connectionsMaxIdleMs: 40,
    });
    const client = await raw(port);
    client.socket.write(apiVersionsFrame(1));
    // No wait for the response: on a loaded machine the 40 ms may pass before the server reads the
    // request, and then the connection is closed as idle without one. Either way it must close idle.
    await within(client.closed, 'the idle connection to close', 3_000);
    assert.equal(socketServer.metrics.idleConnectionsClosed, 1);
    assert.ok(client.frames.length <= 1);
  });

  it('does not close a connection whose request is still in flight', async () => {
    let release: (() => void) | undefined;
    const { server: socketServer, port } = await server(
      (request) =>
        new Promise((resolve) => {
          release = () => resolve(answerApiVersions(request));
        }),
      // Long enough that a loaded machine still delivers the request before the connection idles.
      { connectionsMaxIdleMs: 100 },
    );
    const client = await raw(port);
    let closedEarly = false;
    void client.closed.then(() => {
      closedEarly = release === undefined || client.frames.length === 0;
    });
    client.socket.write(apiVersionsFrame(1));
    await waitFor(() => release !== undefined, 'the handler');
    // A control connection opened after the request went quiet: once the sweeper has closed it, the
    // in-flight connection has been idle at least as long, so a sweep that ignored in-flight
    // requests would have closed it too.
    const control = await raw(port);
    await within(control.closed, 'the idle control connection to close', 3_000);
    assert.equal(socketServer.metrics.idleConnectionsClosed, 1);
    assert.equal(closedEarly, false);
    release!();
    await waitFor(() => client.frames.length === 1, 'the response');
    await within(client.closed, 'the idle close after the response', 3_000);
  });

  it('refuses connections beyond max.connections', async () => {
    const { server: socketServer, port } = await server(async (request) => answerApiVersions(request), {
      maxConnections: 1,
    });
    const first = await kafka(port);
    const second = await raw(port);
    await within(second.closed, 'the second connection to be refused');
    assert.equal(socketServer.metrics.connectionsRejected, 1);
    assert.equal(
      (await first.request(ApiKey.ApiVersions, 1, { clientSoftwareName: '', clientSoftwareVersion: '' }))
        .errorCode,
      0,
    );
  });

  it('shuts down gracefully: in-flight requests finish and flush, then connections close', async () => {
    const held: Array<() => void> = [];
    const { server: socketServer, port } = await startTestServer((request) => {
      return new Promise((resolve) => held.push(() => resolve(answerApiVersions(request))));
    });
    const client = await raw(port);
    client.socket.write(Buffer.concat([apiVersionsFrame(1), apiVersionsFrame(2), apiVersionsFrame(3)]));
    await waitFor(() => held.length === 3, 'three requests in flight');
    const stopped = socketServer.shutdown({ timeoutMs: 5_000 });
    await assert.rejects(rawClient(port), 'a new connection is refused once shutdown began');
    for (const release of held) release();
    await within(stopped, 'shutdown');
    await within(client.closed, 'the client connection to close');
    assert.deepEqual(correlationIds(client.frames), [1, 2, 3]);
    assert.equal(socketServer.connectionCount, 0);
  });

  it('destroys connections still busy at the shutdown deadline', async () => {
    const { server: socketServer, port } = await startTestServer(() => new Promise(() => {}));
    const client = await raw(port);
    client.socket.write(apiVersionsFrame(1));
    await waitFor(() => socketServer.metrics.requestsReceived === 1, 'the request');
    await within(socketServer.shutdown({ timeoutMs: 50 }), 'shutdown after its deadline');
    await within(client.closed, 'the client connection to close');
    assert.equal(client.frames.length, 0);
  });

  it('serves several named listeners and reports their bound ports', async () => {
    const { SocketServer } = await import('./socket-server.js');
    const socketServer = new SocketServer({
      listeners: [
        { name: 'INTERNAL', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' },
        { name: 'EXTERNAL', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' },
      ],
      handler: async (request) =>
        encodeResponse(ApiKey.ApiVersions, 0, request.header.correlationId, {
          errorCode: request.connection.listenerName === 'EXTERNAL' ? 1 : 0,
          apiKeys: [],
          throttleTimeMs: 0,
          supportedFeatures: [],
          finalizedFeaturesEpoch: -1n,
          finalizedFeatures: [],
          zkMigrationReady: false,
        }),
    });
    await socketServer.start();
    cleanups.push(() => socketServer.shutdown({ timeoutMs: 1_000 }));
    const bound = socketServer.boundListeners;
    assert.deepEqual([...bound.keys()], ['INTERNAL', 'EXTERNAL']);
    const external = await kafka(bound.get('EXTERNAL')!.port);
    const internal = await kafka(bound.get('INTERNAL')!.port);
    const noBody = { clientSoftwareName: '', clientSoftwareVersion: '' };
    assert.equal((await external.request(ApiKey.ApiVersions, 0, noBody)).errorCode, 1);
    assert.equal((await internal.request(ApiKey.ApiVersions, 0, noBody)).errorCode, 0);
  });

  it('refuses a listener whose security protocol is not served yet', async () => {
    const { SocketServer } = await import('./socket-server.js');
    assert.throws(
      () =>
        new SocketServer({
          listeners: [{ name: 'SSL', host: '127.0.0.1', port: 0, securityProtocol: 'SSL' }],
          handler: async () => null,
        }),
      /security protocol SSL is not supported yet/,
    );
  });
});
