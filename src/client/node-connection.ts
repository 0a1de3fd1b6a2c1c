// One negotiated connection to a broker: the transport's connection plus the API versions both sides speak.
import {
  type NegotiatedVersions,
  negotiateApiVersions,
  RequestAbortedError,
  type RequestOptions,
} from '../network/index.js';
import { type ApiKey, apiSpec, type RequestBodies, type ResponseBodies } from '../protocol/index.js';
import { VERSION } from '../version.js';
import { OperationAbortedError, UnsupportedApiError } from './client-errors.js';
import type { ClientConnection, ConnectOptions, Transport } from './transport.js';

/** Versions an operation can use: the highest common version is picked within these bounds. */
export interface VersionBounds {
  readonly min?: number;
  readonly max?: number;
}

/**
 * A connection whose ApiVersions exchange is done. `version(apiKey)` gives the highest version both
 * this build and the broker speak (KIP-35/KIP-511), so requests adapt to any Kafka-compatible broker.
 */
export class NodeConnection {
  private constructor(
    /** The broker's node id, or -1 for a bootstrap connection whose id is not known yet. */
    readonly nodeId: number,
    readonly host: string,
    readonly port: number,
    private readonly connection: ClientConnection,
    private readonly versions: NegotiatedVersions,
  ) {}

  /** Connects and negotiates; rejects with ConnectError, KafkaError or the transport's errors. */
  static async open(
    transport: Transport,
    nodeId: number,
    options: ConnectOptions,
    requestOptions: RequestOptions = {},
  ): Promise<NodeConnection> {
    const connection = await transport.connect(options);
    try {
      const versions = await negotiateApiVersions(
        connection,
        { clientSoftwareName: 'pyralog-client', clientSoftwareVersion: VERSION },
        requestOptions,
      );
      return new NodeConnection(nodeId, options.host, options.port, connection, versions);
    } catch (error: unknown) {
      await connection.close();
      throw error;
    }
  }

  get isOpen(): boolean {
    return this.connection.isOpen;
  }

  get outstandingRequests(): number {
    return this.connection.outstandingRequests;
  }

  get closed(): Promise<void> {
    return this.connection.closed;
  }

  /** The highest common version of `apiKey` within `bounds`, or undefined when there is none. */
  maybeVersion(apiKey: ApiKey, bounds: VersionBounds = {}): number | undefined {
    const common = this.versions.versionFor(apiKey);
    if (common === undefined) return undefined;
    const version = Math.min(common, bounds.max ?? common);
    const theirs = this.versions.response.apiKeys.find((entry) => entry.apiKey === apiKey);
    const floor = Math.max(bounds.min ?? 0, theirs?.minVersion ?? 0);
    return version >= floor ? version : undefined;
  }

  /** Like maybeVersion; throws UnsupportedApiError when the broker and this build share no version. */
  version(apiKey: ApiKey, bounds: VersionBounds = {}): number {
    const version = this.maybeVersion(apiKey, bounds);
    if (version === undefined) {
      const name = apiSpec(apiKey)?.name ?? `API ${apiKey}`;
      throw new UnsupportedApiError(
        `broker ${this.host}:${this.port} supports no version of ${name} in ${bounds.min ?? 0}-${bounds.max ?? 'latest'}`,
      );
    }
    return version;
  }

  /**
   * Sends a request and resolves with its response. An abort through `options.signal` rejects with
   * OperationAbortedError, the client's error for every cancelled operation (the transport's
   * RequestAbortedError is its cause).
   */
  request<K extends ApiKey>(
    apiKey: K,
    apiVersion: number,
    body: RequestBodies[K],
    options?: RequestOptions,
  ): Promise<ResponseBodies[K]> {
    const response = this.connection.request(apiKey, apiVersion, body, options);
    return options?.signal === undefined ? response : response.catch(asOperationAborted);
  }

  send<K extends ApiKey>(
    apiKey: K,
    apiVersion: number,
    body: RequestBodies[K],
    options?: RequestOptions,
  ): Promise<void> {
    const sent = this.connection.send(apiKey, apiVersion, body, options);
    return options?.signal === undefined ? sent : sent.catch(asOperationAborted);
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

function asOperationAborted(error: unknown): never {
  if (error instanceof RequestAbortedError) {
    throw new OperationAbortedError('operation aborted', { cause: error });
  }
  throw error;
}
