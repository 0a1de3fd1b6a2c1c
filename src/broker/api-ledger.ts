import type { NetworkRequest } from '../network/index.js';
import { ApiKey, ByteReader, decodeRequestBody } from '../protocol/index.js';
import { SUPPORTED_APIS } from './supported-apis.js';

/**
 * One distinct (API, version, client) a broker was asked for: what the compatibility ledger
 * (tools/compat-ledger.ts, docs/compatibility.md) is built from.
 */
export interface ApiLedgerEntry {
  readonly apiKey: number;
  readonly apiVersion: number;
  /** The version is in SUPPORTED_APIS (false: answered UNSUPPORTED_VERSION or refused). */
  readonly served: boolean;
  readonly clientId: string | null;
  /** From ApiVersions v3+ on the same connection (KIP-511), null when the client sent none. */
  readonly clientSoftwareName: string | null;
  readonly clientSoftwareVersion: string | null;
  /**
   * The ApiVersions version when the connection began with ApiVersions (every real client
   * negotiates first), null when it began with another request (Pyralog's own test connection).
   */
  readonly firstApiVersions: number | null;
}

interface ConnectionState {
  readonly firstApiVersions: number | null;
  clientSoftwareName: string | null;
  clientSoftwareVersion: string | null;
}

/** Connections remembered at once; the oldest is forgotten beyond it (the ledger is for tests). */
const MAX_CONNECTIONS = 10_000;

/**
 * Records which APIs and versions clients ask for, each distinct entry once, into `sink`. Only
 * built when the ledger is enabled (PYRALOG_API_LEDGER): the dispatcher's hot path pays one
 * `undefined` check otherwise. Never throws into the request path.
 */
export class ApiLedger {
  private readonly connections = new Map<string, ConnectionState>();
  private readonly seen = new Set<string>();

  constructor(private readonly sink: (entry: ApiLedgerEntry) => void) {}

  record(request: NetworkRequest): void {
    const state = this.connectionOf(request);
    if (request.apiKey === ApiKey.ApiVersions && request.apiVersion >= 3) this.readSoftware(request, state);
    const range = SUPPORTED_APIS.get(request.apiKey);
    const entry: ApiLedgerEntry = {
      apiKey: request.apiKey,
      apiVersion: request.apiVersion,
      served: range !== undefined && request.apiVersion >= range.min && request.apiVersion <= range.max,
      clientId: request.header.clientId ?? null,
      clientSoftwareName: state.clientSoftwareName,
      clientSoftwareVersion: state.clientSoftwareVersion,
      firstApiVersions: state.firstApiVersions,
    };
    const key = JSON.stringify(entry);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.sink(entry);
  }

  private connectionOf(request: NetworkRequest): ConnectionState {
    const id = request.connection.id;
    const known = this.connections.get(id);
    if (known !== undefined) return known;
    const state: ConnectionState = {
      firstApiVersions: request.apiKey === ApiKey.ApiVersions ? request.apiVersion : null,
      clientSoftwareName: null,
      clientSoftwareVersion: null,
    };
    if (this.connections.size >= MAX_CONNECTIONS) {
      const oldest = this.connections.keys().next().value;
      if (oldest !== undefined) this.connections.delete(oldest);
    }
    this.connections.set(id, state);
    return state;
  }

  private readSoftware(request: NetworkRequest, state: ConnectionState): void {
    try {
      const body = decodeRequestBody(
        ApiKey.ApiVersions,
        request.apiVersion,
        new ByteReader(request.frame, request.bodyOffset),
      );
      state.clientSoftwareName = body.clientSoftwareName;
      state.clientSoftwareVersion = body.clientSoftwareVersion;
    } catch {
      // An undecodable body is the dispatcher's to refuse; the ledger just learns no name.
    }
  }
}
