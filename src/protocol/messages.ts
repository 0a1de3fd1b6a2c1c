import {
  type ApiKey,
  apiSpec,
  apis,
  type RequestBodies,
  type ResponseBodies,
} from './generated/api-registry.js';
import { type RequestHeader, requestHeader } from './generated/request-header.js';
import { type ResponseHeader, responseHeader } from './generated/response-header.js';
import { type ByteReader, ByteWriter, DecodeError, EncodeError } from './primitives/index.js';

/** A request header whose API key is known statically, so its body type follows. */
export type RequestHeaderFor<K extends ApiKey> = RequestHeader & { requestApiKey: K };

/** A decoded request: narrowing `apiKey` (e.g. `switch (request.apiKey)`) types the body. */
export type DecodedRequest = {
  [K in ApiKey]: { readonly apiKey: K; readonly header: RequestHeader; readonly body: RequestBodies[K] };
}[ApiKey];

function knownApi(apiKey: number, fail: (message: string) => Error): (typeof apis)[ApiKey] {
  const api = apiSpec(apiKey);
  if (api === undefined) throw fail(`unknown API key ${apiKey}`);
  return apis[apiKey as ApiKey];
}

/** A writer for one Kafka frame: its first 4 bytes are the int32 size prefix, which `frame` fills in. */
function frameWriter(): ByteWriter {
  return new ByteWriter().int32(0);
}

/**
 * The chunks of a `frameWriter` with the size prefix set. The prefix shares the first chunk with the
 * header, so a small message is one chunk (one Buffer, not a separate 4-byte one and a copied array).
 */
function frame(writer: ByteWriter): Buffer[] {
  const size = writer.length - 4;
  const chunks = writer.toChunks();
  chunks[0]!.writeInt32BE(size, 0);
  return chunks;
}

/**
 * Encodes a whole request frame: the int32 size prefix, the request header in the version the API
 * uses at `requestApiVersion` (0, 1 or 2), then the body. Returns chunks for `socket.writev`; record
 * views of at least ZERO_COPY_THRESHOLD bytes are referenced, not copied, so they must stay unchanged
 * until written. Throws EncodeError for an unknown API key, an unsupported version or a value that
 * version cannot hold.
 */
export function encodeRequest<K extends ApiKey>(
  header: RequestHeaderFor<K>,
  body: RequestBodies[K],
): Buffer[] {
  const api = knownApi(header.requestApiKey, (message) => new EncodeError(message));
  const version = header.requestApiVersion;
  const writer = frameWriter();
  requestHeader.encode(writer, api.requestHeaderVersion(version), header);
  apis[header.requestApiKey].request.encode(writer, version, body);
  return frame(writer);
}

/**
 * Reads a request header from a frame whose size prefix the caller has already removed. Its version
 * follows from the API key and version it starts with, so a request of a version this build does not
 * support still yields its header (and correlation id) for an UNSUPPORTED_VERSION answer. An unknown
 * API key or a truncated header throws DecodeError: the frame cannot be trusted.
 */
export function decodeRequestHeader(reader: ByteReader): RequestHeader {
  if (reader.remaining < 4) throw new DecodeError(`request header truncated: ${reader.remaining} bytes`);
  const apiKey = reader.buffer.readInt16BE(reader.offset);
  const apiVersion = reader.buffer.readInt16BE(reader.offset + 2);
  const api = knownApi(apiKey, (message) => new DecodeError(message));
  return requestHeader.decode(reader, api.requestHeaderVersion(apiVersion));
}

/**
 * Reads a request body of `apiKey` at `apiVersion` that follows its header. Byte fields (records)
 * are views of the reader's buffer. Throws DecodeError for an unsupported version or bad bytes;
 * bytes after the body are left unread.
 */
export function decodeRequestBody<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  reader: ByteReader,
): RequestBodies[K] {
  knownApi(apiKey, (message) => new DecodeError(message));
  return apis[apiKey].request.decode(reader, apiVersion);
}

/** Header and body of a request frame (size prefix removed); see decodeRequestHeader for errors. */
export function decodeRequest(reader: ByteReader): DecodedRequest {
  const header = decodeRequestHeader(reader);
  const apiKey = header.requestApiKey as ApiKey;
  // decodeRequestHeader already rejected an unknown API key.
  const body = apis[apiKey].request.decode(reader, header.requestApiVersion);
  return { apiKey, header, body } as DecodedRequest;
}

/**
 * Encodes a whole response frame: int32 size prefix, the response header version the API uses at
 * `apiVersion` (ApiVersions always v0), then the body, as chunks for `socket.writev`.
 */
export function encodeResponse<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: ResponseBodies[K],
): Buffer[] {
  const api = knownApi(apiKey, (message) => new EncodeError(message));
  const writer = frameWriter();
  responseHeader.encode(writer, api.responseHeaderVersion(apiVersion), { correlationId });
  apis[apiKey].response.encode(writer, apiVersion, body);
  return frame(writer);
}

/**
 * Reads a response header (size prefix removed). A response does not name its API: the caller
 * knows it from the request with the same correlation id.
 */
export function decodeResponseHeader(apiKey: ApiKey, apiVersion: number, reader: ByteReader): ResponseHeader {
  const api = knownApi(apiKey, (message) => new DecodeError(message));
  return responseHeader.decode(reader, api.responseHeaderVersion(apiVersion));
}

/** Header and body of a response frame (size prefix removed) to a request of `apiKey` at `apiVersion`. */
export function decodeResponse<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  reader: ByteReader,
): { header: ResponseHeader; body: ResponseBodies[K] } {
  const header = decodeResponseHeader(apiKey, apiVersion, reader);
  return { header, body: apis[apiKey].response.decode(reader, apiVersion) };
}
