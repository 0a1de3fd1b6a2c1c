// Test-only helpers for src/network's tests: servers on port 0, raw sockets, polling with a deadline,
// a log capture and an ApiVersions responder built on the real generated codecs.
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import {
  ApiKey,
  type ApiVersionsResponse,
  apis,
  ByteReader,
  decodeRequestBody,
  ErrorCode,
  encodeRequest,
  encodeResponse,
  type RequestBodies,
} from '../protocol/index.js';
import { eventually } from '../testing/index.js';
import { FrameDecoder } from './frame-decoder.js';
import type { NetworkRequest, RequestHandler } from './request-handler.js';
import { SocketServer, type SocketServerOptions } from './socket-server.js';

/** Polls `condition` every few milliseconds until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  await eventually(what, () => (condition() ? true : undefined), { timeoutMs, intervalMs: 2 });
}

/** Resolves when `promise` does; rejects if that takes longer than `timeoutMs`. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A pino logger at `debug` whose records are kept as parsed objects. */
export function capturingLogger(): { logger: Logger; records: Array<{ level: number; msg: string }> } {
  const records: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(line: Buffer, _encoding, done) {
      records.push(JSON.parse(line.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), records };
}

/** The ApiVersions body advertising every API of the generated registry. */
export function registryApiVersions(errorCode: number = ErrorCode.NONE): ApiVersionsResponse {
  return {
    errorCode,
    apiKeys: Object.values(apis).map((api) => ({
      apiKey: api.apiKey,
      minVersion: api.validVersions.min,
      maxVersion: api.validVersions.max,
    })),
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
}

/**
 * Answers ApiVersions as a broker would (UNSUPPORTED_VERSION at v0 above `maxApiVersionsVersion`);
 * `throttleTimeMs` carries the correlation id so tests can match answers to requests.
 */
export function answerApiVersions(request: NetworkRequest, maxApiVersionsVersion = 4): Buffer[] {
  const { correlationId } = request.header;
  const unsupported = request.apiVersion > maxApiVersionsVersion;
  const body = registryApiVersions(unsupported ? ErrorCode.UNSUPPORTED_VERSION : ErrorCode.NONE);
  body.apiKeys = body.apiKeys.map((entry) =>
    entry.apiKey === ApiKey.ApiVersions ? { ...entry, maxVersion: maxApiVersionsVersion } : entry,
  );
  if (unsupported) return encodeResponse(ApiKey.ApiVersions, 0, correlationId, body);
  if (request.apiVersion >= 3) {
    const decoded = decodeRequestBody(
      ApiKey.ApiVersions,
      request.apiVersion,
      new ByteReader(request.frame, request.bodyOffset),
    );
    request.connection.clientSoftwareName = decoded.clientSoftwareName;
    request.connection.clientSoftwareVersion = decoded.clientSoftwareVersion;
  }
  body.throttleTimeMs = correlationId;
  return encodeResponse(ApiKey.ApiVersions, request.apiVersion, correlationId, body);
}

/** A SocketServer on 127.0.0.1 port 0 with `handler`; `stop` shuts it down within a second. */
export async function startTestServer(
  handler: RequestHandler,
  options: Partial<Omit<SocketServerOptions, 'handler'>> = {},
): Promise<{ server: SocketServer; port: number; stop: () => Promise<void> }> {
  const server = new SocketServer({
    listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
    ...options,
    handler,
  });
  const [bound] = await server.start();
  return { server, port: bound!.port, stop: () => server.shutdown({ timeoutMs: 1_000 }) };
}

/** A raw socket to 127.0.0.1:`port` that collects every response frame it receives. */
export async function rawClient(
  port: number,
): Promise<{ socket: Socket; frames: Buffer[]; closed: Promise<void>; destroy: () => void }> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  const frames: Buffer[] = [];
  const decoder = new FrameDecoder({ minFrameBytes: 4, maxFrameBytes: 1 << 30 });
  socket.on('data', (chunk: Buffer) => {
    decoder.push(chunk);
    for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) frames.push(frame);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, frames, closed, destroy: () => socket.destroy() };
}

/** One whole ApiVersions request frame (size prefix included) with `correlationId`. */
export function apiVersionsFrame(correlationId: number, version = 3): Buffer {
  const body: RequestBodies[typeof ApiKey.ApiVersions] = {
    clientSoftwareName: 'raw',
    clientSoftwareVersion: '1',
  };
  return Buffer.concat(
    encodeRequest(
      {
        requestApiKey: ApiKey.ApiVersions,
        requestApiVersion: version,
        correlationId,
        clientId: 'raw-client',
      },
      body,
    ),
  );
}
