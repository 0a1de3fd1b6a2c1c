// The client's port to the network: a Transport opens ClientConnections; tcpTransport is KafkaConnection.
import { KafkaConnection, type RequestOptions } from '../network/index.js';
import type { ApiKey, RequestBodies, ResponseBodies } from '../protocol/index.js';

/**
 * One connection to one broker, as KafkaConnection offers it: requests pipelined in call order,
 * typed responses, per-request timeout and AbortSignal. Unit tests substitute an in-memory fake.
 */
export interface ClientConnection {
  readonly isOpen: boolean;
  /** Requests sent and not yet answered, plus those waiting for a slot. */
  readonly outstandingRequests: number;
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>;
  request<K extends ApiKey>(
    apiKey: K,
    apiVersion: number,
    body: RequestBodies[K],
    options?: RequestOptions,
  ): Promise<ResponseBodies[K]>;
  /** A request without response (Produce acks=0); resolves once handed to the socket. */
  send<K extends ApiKey>(
    apiKey: K,
    apiVersion: number,
    body: RequestBodies[K],
    options?: RequestOptions,
  ): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly clientId: string | null;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxInFlightRequests: number;
  readonly signal?: AbortSignal;
}

/** Opens connections; rejects with ConnectError (src/network) when a broker cannot be reached. */
export interface Transport {
  connect(options: ConnectOptions): Promise<ClientConnection>;
}

/** TCP through src/network's KafkaConnection. */
export const tcpTransport: Transport = {
  connect: (options) => KafkaConnection.connect(options),
};
