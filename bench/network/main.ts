// Network micro-benchmark over loopback, one connection each: pipelined small round trips per second and
// MB/s of 1 MiB responses through KafkaConnection → SocketServer (real framing, dispatch, ordered
// responses and generated codecs), beside raw node:net baselines measured in the same run (an echo
// server for round trips, a server writing 1 MiB per request for throughput). One line per figure.
// Usage: node --import tsx bench/network/main.ts [--seconds 2] [--window 64]
import { connect, createServer, type Server, type Socket } from 'node:net';
import { KafkaConnection, SocketServer } from '../../src/network/index.js';
import {
  ApiKey,
  defaultFetchResponseEpochEndOffset,
  defaultFetchResponseLeaderIdAndEpoch,
  defaultFetchResponseSnapshotId,
  encodeResponse,
  type FetchResponse,
  ZERO_UUID,
} from '../../src/protocol/index.js';

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const seconds = argument('seconds', 2);
const window = argument('window', 64);
const MIB = 1024 * 1024;
const records = Buffer.alloc(MIB, 0x5a);

/** Keeps `window` operations outstanding for `seconds`; returns completed operations per second. */
async function pipelined(operation: () => Promise<unknown>): Promise<number> {
  let completed = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await operation();
      completed += 1;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return completed / ((performance.now() - start) / 1000);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

async function rawSocket(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

/**
 * Raw baseline: the client writes `requestBytes`-byte messages and waits for `responseBytes` bytes
 * each, with `window` outstanding; no framing beyond counting bytes.
 */
async function rawRoundTrips(server: Server, requestBytes: number, responseBytes: number): Promise<number> {
  const port = await listen(server);
  const socket = await rawSocket(port);
  const request = Buffer.alloc(requestBytes, 1);
  const waiting: Array<() => void> = [];
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    while (received >= responseBytes && waiting.length > 0) {
      received -= responseBytes;
      waiting.shift()!();
    }
  });
  const perSecond = await pipelined(
    () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        socket.write(request);
      }),
  );
  socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  return perSecond;
}

function fetchResponse(): FetchResponse {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    nodeEndpoints: [],
    responses: [
      {
        topic: 'bench',
        topicId: ZERO_UUID,
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 0n,
            lastStableOffset: 0n,
            logStartOffset: 0n,
            divergingEpoch: defaultFetchResponseEpochEndOffset(),
            currentLeader: defaultFetchResponseLeaderIdAndEpoch(),
            snapshotId: defaultFetchResponseSnapshotId(),
            abortedTransactions: null,
            preferredReadReplica: -1,
            records,
          },
        ],
      },
    ],
  };
}

async function pyralog(kind: 'small' | 'large'): Promise<number> {
  const fetch = fetchResponse();
  const server = new SocketServer({
    listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
    maxInFlightRequestsPerConnection: window,
    handler: async (request) =>
      request.apiKey === ApiKey.Fetch
        ? encodeResponse(ApiKey.Fetch, request.apiVersion, request.header.correlationId, fetch)
        : encodeResponse(ApiKey.ApiVersions, 0, request.header.correlationId, {
            errorCode: 0,
            apiKeys: [],
            throttleTimeMs: 0,
            supportedFeatures: [],
            finalizedFeaturesEpoch: -1n,
            finalizedFeatures: [],
            zkMigrationReady: false,
          }),
  });
  const [bound] = await server.start();
  const connection = await KafkaConnection.connect({
    host: '127.0.0.1',
    port: bound!.port,
    maxInFlightRequests: window,
  });
  const fetchRequest = {
    replicaId: -1,
    clusterId: null,
    replicaState: { replicaId: -1, replicaEpoch: -1n },
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 2 * MIB,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [],
    forgottenTopicsData: [],
    rackId: '',
  };
  const perSecond = await pipelined(() =>
    kind === 'small'
      ? connection.request(ApiKey.ApiVersions, 0, { clientSoftwareName: '', clientSoftwareVersion: '' })
      : connection.request(ApiKey.Fetch, 12, fetchRequest),
  );
  await connection.close();
  await server.shutdown({ timeoutMs: 1_000 });
  return perSecond;
}

const line = (name: string, value: string): void => console.log(`${name}: ${value}`);
const rate = (perSecond: number): string => Math.round(perSecond).toLocaleString('en');

const echo = createServer({ noDelay: true }, (socket) => socket.pipe(socket));
line(
  `raw node:net echo, 12-byte messages, window ${window}`,
  `${rate(await rawRoundTrips(echo, 12, 12))} msg/s`,
);
line(
  `pyralog KafkaConnection→SocketServer ApiVersions v0 round trips, window ${window}`,
  `${rate(await pyralog('small'))} req/s`,
);
const writer = createServer({ noDelay: true }, (socket) => {
  socket.on('data', (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i++) socket.write(records);
  });
});
const rawLarge = await rawRoundTrips(writer, 1, MIB);
line(`raw node:net 1 MiB responses, window ${window}`, `${((rawLarge * MIB) / 1e6).toFixed(0)} MB/s`);
const large = await pyralog('large');
line(
  `pyralog Fetch v12 responses with 1 MiB records, window ${window}`,
  `${((large * MIB) / 1e6).toFixed(0)} MB/s`,
);
