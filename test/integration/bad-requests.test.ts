// Requests the broker cannot serve, over real sockets: a too-new ApiVersions gets the KIP-511 v0
// fallback, an unserved API closes only its own connection, and an unsupported Produce version is
// answered with UNSUPPORTED_VERSION; another connection keeps working throughout.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { KafkaConnection } from '../../src/network/index.js';
import {
  ApiKey,
  apiVersionsResponse,
  ByteReader,
  ErrorCode,
  encodeRequest,
  type RequestHeaderFor,
} from '../../src/protocol/index.js';

/** Sends one frame and resolves with the response frame (size prefix removed), or null when the socket closes. */
function exchange(socket: Socket, frame: Buffer): Promise<Buffer | null> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        socket.off('data', onData);
        resolve(received.subarray(4, 4 + received.readInt32BE(0)));
      }
    };
    socket.on('data', onData);
    socket.once('close', () => resolve(null));
    socket.write(frame);
  });
}

function open(broker: RunningBroker): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(broker.port, broker.host, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** An ApiVersions v3 request frame whose version field is then rewritten to `version`. */
function apiVersionsFrame(version: number): Buffer {
  const header = {
    requestApiKey: ApiKey.ApiVersions,
    requestApiVersion: 3,
    correlationId: 42,
    clientId: 'it',
  };
  const frame = Buffer.concat(
    encodeRequest(header as RequestHeaderFor<typeof ApiKey.ApiVersions>, {
      clientSoftwareName: 'it',
      clientSoftwareVersion: '1',
    }),
  );
  frame.writeInt16BE(version, 6);
  return frame;
}

describe('requests the broker cannot serve', () => {
  let broker: RunningBroker;
  let healthy: KafkaConnection;
  before(async () => {
    broker = await startBroker({ port: 0 });
    healthy = await KafkaConnection.connect({ host: broker.host, port: broker.port });
  });
  after(async () => {
    await healthy.close();
    await broker.stop();
  });

  it('answers ApiVersions v99 with a v0 UNSUPPORTED_VERSION body listing ApiVersions 0-4', async () => {
    const socket = await open(broker);
    const response = await exchange(socket, apiVersionsFrame(99));
    socket.destroy();
    assert.ok(response !== null);
    const reader = new ByteReader(response, 0);
    assert.equal(reader.int32(), 42);
    const body = apiVersionsResponse.decode(reader, 0);
    assert.equal(body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.deepEqual(body.apiKeys, [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 }]);
  });

  it('closes only the connection that sent an API it does not serve', async () => {
    const socket = await open(broker);
    const frame = Buffer.concat(
      encodeRequest(
        // Share groups (KIP-932) are not served.
        { requestApiKey: ApiKey.ShareGroupDescribe, requestApiVersion: 0, correlationId: 1, clientId: 'it' },
        { groupIds: ['g'], includeAuthorizedOperations: false },
      ),
    );
    assert.equal(await exchange(socket, frame), null);
    const versions = await healthy.request(ApiKey.ApiVersions, 3, {
      clientSoftwareName: 'it',
      clientSoftwareVersion: '1',
    });
    assert.equal(versions.errorCode, ErrorCode.NONE);
  });

  it('answers CreateTopics v1 (dropped by Kafka 4.0, not served) with UNSUPPORTED_VERSION per topic', async () => {
    const response = await healthy.request(ApiKey.CreateTopics, 1, {
      topics: [{ name: 't', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    assert.equal(response.topics[0]?.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  });
});
