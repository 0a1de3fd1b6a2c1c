import type { NetworkRequest, RequestHandler } from '../network/index.js';
import {
  ApiKey,
  apis,
  ByteReader,
  decodeRequestBody,
  ErrorCode,
  encodeResponse,
  PyralogError,
  type RequestBodies,
  type ResponseBodies,
} from '../protocol/index.js';
import { alterConfigsHandler } from './alter-configs.js';
import type { ApiHandler } from './api-handler.js';
import { apiVersionsHandler, unsupportedApiVersionsResponse } from './api-versions.js';
import type { BrokerContext, RequestLogger } from './broker-context.js';
import { createPartitionsHandler } from './create-partitions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeConfigsHandler } from './describe-configs.js';
import { describeLogDirsHandler } from './describe-log-dirs.js';
import { describeTopicPartitionsHandler } from './describe-topic-partitions.js';
import { fetchHandler } from './fetch.js';
import { GROUP_HANDLERS } from './groups/index.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { produceHandler } from './produce.js';
import { TXN_HANDLERS } from './transactions/index.js';
import { writeTxnMarkersHandler } from './write-txn-markers.js';

/**
 * A request this broker cannot answer in its API's own response: an API it does not serve, a
 * version the codecs do not know, or a body that does not decode. There is no response body to
 * put an error code into, so (as Kafka does) the connection is closed; the network layer logs it.
 */
export class UnanswerableRequestError extends PyralogError {
  readonly code = 'UNANSWERABLE_REQUEST';
}

type AnyHandler = { [K in ApiKey]: ApiHandler<K> }[ApiKey];

const HANDLERS: ReadonlyMap<ApiKey, AnyHandler> = new Map<ApiKey, AnyHandler>(
  [
    apiVersionsHandler,
    metadataHandler,
    createTopicsHandler,
    deleteTopicsHandler,
    deleteRecordsHandler,
    createPartitionsHandler,
    describeLogDirsHandler,
    describeClusterHandler,
    describeTopicPartitionsHandler,
    produceHandler,
    fetchHandler,
    listOffsetsHandler,
    initProducerIdHandler,
    describeConfigsHandler,
    alterConfigsHandler,
    incrementalAlterConfigsHandler,
    writeTxnMarkersHandler,
    ...GROUP_HANDLERS,
    ...TXN_HANDLERS,
  ].map((handler): [ApiKey, AnyHandler] => [handler.apiKey, handler]),
);

/** The APIs with a handler (the SUPPORTED_APIS table must list exactly these; a test checks). */
export function handledApiKeys(): ApiKey[] {
  return [...HANDLERS.keys()];
}

function inRange(version: number, range: { min: number; max: number }): boolean {
  return version >= range.min && version <= range.max;
}

/** The body of `request` for `handler`'s API; a body that does not decode cannot be answered. */
function decodeBody<K extends ApiKey>(handler: ApiHandler<K>, request: NetworkRequest): RequestBodies[K] {
  try {
    return decodeRequestBody(
      handler.apiKey,
      request.apiVersion,
      new ByteReader(request.frame, request.bodyOffset),
    );
  } catch (error: unknown) {
    throw new UnanswerableRequestError(
      `${apis[handler.apiKey].name} v${request.apiVersion} body does not decode`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Routes, decodes, handles and encodes one request in one async frame (this runs for every request:
 * no promise per layer), and records its count and time (dispatch to encoded response, or failure).
 */
async function respond(context: BrokerContext, request: NetworkRequest): Promise<Buffer[] | null> {
  const startedAt = performance.now();
  let failed = false;
  try {
    const handler = handlerOf(request);
    if (handler === undefined) return apiVersionsFallback(request);
    const { apiVersion } = request;
    const body = decodeBody(handler, request);
    request.trace?.mark('decoded');
    let response: ResponseBodies[ApiKey] | null;
    if (!inRange(apiVersion, handler.versions)) {
      response = handler.errorResponse(body, ErrorCode.UNSUPPORTED_VERSION, apiVersion);
    } else {
      try {
        response = await handler.handle(context, body, request);
      } catch (error: unknown) {
        logHandlerFailure(context, request, error);
        response = handler.errorResponse(body, ErrorCode.UNKNOWN_SERVER_ERROR, apiVersion);
      }
    }
    request.trace?.mark('handled');
    return response === null
      ? null
      : encodeResponse(handler.apiKey, apiVersion, request.header.correlationId, response);
  } catch (error: unknown) {
    failed = true;
    throw error;
  } finally {
    const seconds = (performance.now() - startedAt) / 1000;
    context.stats.requests.record(request.apiKey, seconds);
    const requestLogger = context.requestLogger;
    if (requestLogger?.isLevelEnabled('debug') === true) logRequest(requestLogger, request, seconds, failed);
  }
}

function logHandlerFailure(context: BrokerContext, request: NetworkRequest, error: unknown): void {
  context.logger.error(
    {
      err: error,
      apiKey: request.apiKey,
      apiVersion: request.apiVersion,
      correlationId: request.header.correlationId,
      connection: request.connection.id,
    },
    'request failed; answering UNKNOWN_SERVER_ERROR',
  );
}

/**
 * The broker's RequestHandler: maps the API key to its handler, decodes, calls it and encodes.
 * - A version of a served API outside SUPPORTED_APIS (but known to the codecs) is answered with
 *   UNSUPPORTED_VERSION in every part of that API's response.
 * - ApiVersions above our range gets the KIP-511 v0 fallback body.
 * - An unexpected exception becomes UNKNOWN_SERVER_ERROR for that request plus one log line.
 * - An API we do not serve, a version beyond the codecs, or an undecodable body cannot be answered
 *   in the API's response: the promise rejects with UnanswerableRequestError and the network layer
 *   closes that connection (logged once), as Kafka does. Nothing else ever rejects.
 * - With an `apiLedger` in the context (tests only, PYRALOG_API_LEDGER), every request is recorded
 *   there first.
 * - Every request's count and time (dispatch to encoded response, or to failure) go to
 *   `context.stats.requests` by API key; with `context.requestLogger` at debug, one log line each.
 */
export function createRequestDispatcher(context: BrokerContext): RequestHandler {
  const ledger = context.apiLedger;
  return (request) => {
    if (ledger !== undefined) ledger.record(request);
    return respond(context, request);
  };
}

function logRequest(logger: RequestLogger, request: NetworkRequest, seconds: number, failed: boolean): void {
  logger.debug(
    {
      api: apis[request.apiKey].name,
      apiVersion: request.apiVersion,
      correlationId: request.header.correlationId,
      clientId: request.connection.clientId,
      connection: request.connection.id,
      remote: `${request.connection.remoteAddress}:${request.connection.remotePort}`,
      requestBytes: request.frame.length,
      ms: Math.round(seconds * 1e6) / 1e3,
      ...(failed ? { closedConnection: true } : {}),
    },
    'request',
  );
}

/**
 * The handler of `request`'s API, or undefined for an ApiVersions above our range (answered with the
 * KIP-511 fallback). Throws UnanswerableRequestError for an API not served or a version the codecs
 * do not know.
 */
function handlerOf(request: NetworkRequest): ApiHandler<ApiKey> | undefined {
  const { apiKey, apiVersion } = request;
  if (apiKey === ApiKey.ApiVersions && apiVersion > apiVersionsHandler.versions.max) return undefined;
  const handler = HANDLERS.get(apiKey);
  if (handler === undefined) {
    throw new UnanswerableRequestError(`API ${apis[apiKey].name} (key ${apiKey}) is not served`);
  }
  if (!inRange(apiVersion, apis[apiKey].validVersions)) {
    throw new UnanswerableRequestError(`${apis[apiKey].name} v${apiVersion} is unknown to this build`);
  }
  return handler as ApiHandler<ApiKey>;
}

/** KIP-511: an ApiVersions too new for us gets a v0 body with UNSUPPORTED_VERSION and our own range. */
function apiVersionsFallback(request: NetworkRequest): Buffer[] {
  return encodeResponse(
    ApiKey.ApiVersions,
    0,
    request.header.correlationId,
    unsupportedApiVersionsResponse(),
  );
}
