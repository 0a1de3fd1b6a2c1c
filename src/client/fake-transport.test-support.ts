// Test-only in-memory Transport: scripted brokers answer typed requests; every request and response goes
// through the generated codecs at the negotiated version, so a body a version cannot hold fails as on a wire.
import {
  ConnectError,
  ConnectionClosedError,
  RequestAbortedError,
  type RequestOptions,
} from '../network/index.js';
import {
  ApiKey as Api,
  type ApiKey,
  apis,
  ByteReader,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type RequestBodies,
  type RequestHeaderFor,
  type ResponseBodies,
  type VersionRange,
} from '../protocol/index.js';
import type { ClientConnection, ConnectOptions, Transport } from './transport.js';

/** A broker's answer to one request; return undefined for no answer (the request then hangs until timeout/abort). */
export type FakeHandler = <K extends ApiKey>(
  apiKey: K,
  version: number,
  body: RequestBodies[K],
) => ResponseBodies[K] | undefined | Promise<ResponseBodies[K] | undefined>;

export interface SeenRequest {
  readonly address: string;
  readonly apiKey: ApiKey;
  readonly version: number;
  readonly body: unknown;
}

function joined(chunks: Buffer[]): ByteReader {
  return new ByteReader(Buffer.concat(chunks).subarray(4));
}

/** A fake network of brokers by "host:port". */
export class FakeTransport implements Transport {
  readonly seen: SeenRequest[] = [];
  readonly connections: FakeConnection[] = [];
  private readonly brokers = new Map<string, { handler: FakeHandler; versions: Map<number, VersionRange> }>();

  /** Adds a broker answering with `handler`; `versions` overrides the advertised ranges (all known APIs by default). */
  addBroker(
    address: string,
    handler: FakeHandler,
    versions: ReadonlyMap<number, VersionRange> = new Map(),
  ): void {
    const ranges = new Map<number, VersionRange>(
      Object.values(apis).map((api) => [api.apiKey, api.validVersions] as const),
    );
    for (const [apiKey, range] of versions) ranges.set(apiKey, range);
    this.brokers.set(address, { handler, versions: ranges });
  }

  removeBroker(address: string): void {
    this.brokers.delete(address);
    for (const connection of this.connections) if (connection.address === address) void connection.close();
  }

  requestsOf(apiKey: ApiKey): SeenRequest[] {
    return this.seen.filter((request) => request.apiKey === apiKey);
  }

  async connect(options: ConnectOptions): Promise<ClientConnection> {
    const address = `${options.host}:${options.port}`;
    const broker = this.brokers.get(address);
    if (broker === undefined) throw new ConnectError(`cannot connect to ${address}`);
    const connection = new FakeConnection(
      address,
      options.clientId,
      broker.handler,
      broker.versions,
      this.seen,
    );
    this.connections.push(connection);
    return connection;
  }
}

class FakeConnection implements ClientConnection {
  readonly closed: Promise<void>;
  private open = true;
  private resolveClosed!: () => void;
  private correlationId = 0;
  private readonly pending = new Set<(error: Error) => void>();

  constructor(
    readonly address: string,
    private readonly clientId: string | null,
    private readonly handler: FakeHandler,
    private readonly versions: Map<number, VersionRange>,
    private readonly seen: SeenRequest[],
  ) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  get isOpen(): boolean {
    return this.open;
  }

  get outstandingRequests(): number {
    return this.pending.size;
  }

  async request<K extends ApiKey>(
    apiKey: K,
    apiVersion: number,
    body: RequestBodies[K],
    options: RequestOptions = {},
  ): Promise<ResponseBodies[K]> {
    if (!this.open) throw new ConnectionClosedError('connection is closed');
    const correlationId = this.correlationId++;
    const header = {
      requestApiKey: apiKey,
      requestApiVersion: apiVersion,
      correlationId,
      clientId: this.clientId,
    };
    const decoded = decodeRequest(joined(encodeRequest(header as RequestHeaderFor<K>, body)));
    this.seen.push({ address: this.address, apiKey, version: apiVersion, body: decoded.body });
    return new Promise<ResponseBodies[K]>((resolve, reject) => {
      const fail = (error: Error): void => {
        this.pending.delete(fail);
        reject(error);
      };
      this.pending.add(fail);
      const onAbort = (): void =>
        fail(new RequestAbortedError('request aborted', { cause: options.signal?.reason }));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      void this.answer(apiKey, apiVersion, decoded.body as RequestBodies[K], correlationId).then(
        (response) => {
          if (response === undefined || !this.pending.has(fail)) return;
          options.signal?.removeEventListener('abort', onAbort);
          this.pending.delete(fail);
          resolve(response);
        },
        (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
      );
    });
  }

  async send<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestBodies[K]): Promise<void> {
    if (!this.open) throw new ConnectionClosedError('connection is closed');
    this.seen.push({ address: this.address, apiKey, version: apiVersion, body });
    await this.handler(apiKey, apiVersion, body);
  }

  private async answer<K extends ApiKey>(
    apiKey: K,
    version: number,
    body: RequestBodies[K],
    correlationId: number,
  ): Promise<ResponseBodies[K] | undefined> {
    let response: ResponseBodies[K] | undefined;
    if (apiKey === Api.ApiVersions) {
      response = {
        errorCode: 0,
        apiKeys: [...this.versions].map(([key, range]) => ({
          apiKey: key,
          minVersion: range.min,
          maxVersion: range.max,
        })),
        throttleTimeMs: 0,
        supportedFeatures: [],
        finalizedFeaturesEpoch: -1n,
        finalizedFeatures: [],
        zkMigrationReady: false,
      } as unknown as ResponseBodies[K];
    } else {
      response = await this.handler(apiKey, version, body);
    }
    if (response === undefined) return undefined;
    return decodeResponse(apiKey, version, joined(encodeResponse(apiKey, version, correlationId, response)))
      .body;
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    for (const fail of [...this.pending]) fail(new ConnectionClosedError('connection closed'));
    this.resolveClosed();
  }
}

/** A Metadata answer: brokers by id on "host:port", topics → leader id of each partition. */
export function metadataAnswer(
  brokers: ReadonlyMap<number, string>,
  topics: Readonly<Record<string, readonly number[]>>,
  options: { controllerId?: number; unknown?: readonly string[]; leaderEpoch?: number } = {},
): ResponseBodies[typeof Api.Metadata] {
  return {
    throttleTimeMs: 0,
    brokers: [...brokers].map(([nodeId, address]) => {
      const [host, port] = address.split(':');
      return { nodeId, host: host ?? '', port: Number(port), rack: null };
    }),
    clusterId: 'fake-cluster',
    controllerId: options.controllerId ?? [...brokers.keys()][0] ?? -1,
    topics: [
      ...Object.entries(topics).map(([name, leaders]) => ({
        errorCode: 0,
        name,
        topicId: Buffer.from(name.padEnd(16, '_').slice(0, 16)).toString('base64url'),
        isInternal: false,
        partitions: leaders.map((leaderId, partitionIndex) => ({
          errorCode: 0,
          partitionIndex,
          leaderId,
          leaderEpoch: options.leaderEpoch ?? 0,
          replicaNodes: [leaderId],
          isrNodes: [leaderId],
          offlineReplicas: [],
        })),
        topicAuthorizedOperations: -2147483648,
      })),
      ...(options.unknown ?? []).map((name) => ({
        errorCode: 3,
        name,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        isInternal: false,
        partitions: [],
        topicAuthorizedOperations: -2147483648,
      })),
    ],
    clusterAuthorizedOperations: -2147483648,
  };
}
