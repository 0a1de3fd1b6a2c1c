// The floor responder (bench/floor): the least a Node.js process does to serve the latency workload
// of rdkafka_performance (ApiVersions, Metadata, ListOffsets, Produce with acks=all, long-poll Fetch)
// with each way of making a produce durable (durable-writer.ts). A measuring instrument, not a
// broker: one partition per topic, batches kept in memory, no validation beyond the batch header.
// Frames are split by the broker's FrameDecoder and every message goes through the generated codecs.
import { createServer, type Socket } from 'node:net';
import { FrameDecoder } from '../../src/network/index.js';
import {
  ApiKey,
  ByteReader,
  decodeRequestBody,
  decodeRequestHeader,
  ErrorCode,
  encodeResponse,
  type FetchRequest,
  type ProduceRequest,
  type ProduceResponse,
  type RequestHeader,
} from '../../src/protocol/index.js';
import { type DurabilityMode, openDurableWriter } from './durable-writer.js';
import {
  apiVersionsResponse,
  fetchResponse,
  type LogFor,
  listOffsetsResponse,
  metadataResponse,
  SERVED_APIS,
} from './floor-answers.js';
import { FloorLog } from './floor-log.js';

export interface FloorResponderOptions {
  readonly mode: DurabilityMode;
  /** Where the ring file goes (unused in mode `none`). */
  readonly dir: string;
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly ringBytes?: number;
  /**
   * Answer the woken fetches before the produces made durable with them (default false: produces
   * first, then the fetches, in a microtask). Only the fetch is on the end-to-end latency path, so
   * this puts its write, and the consumer's wake-up, first.
   */
  readonly isFetchFirst?: boolean;
  /** Bytes of batches each partition keeps in memory (FloorLog's bound). */
  readonly retainedBytes?: number;
  /**
   * Keep a copy of each produced batch (default false: the log keeps the view of the request's
   * frame, as the broker writes it without copying). A copy frees the socket read at once but
   * allocates from Buffer's pool per produce.
   */
  readonly isCopying?: boolean;
}

export interface FloorResponder {
  readonly bootstrap: string;
  /** Requests served so far, by API name, and the durable writer's groups. */
  counts(): Record<string, number>;
  stop(): Promise<void>;
}

/** The largest frame accepted: Kafka's socket.request.max.bytes default. */
const MAX_FRAME_BYTES = 100 * 1024 * 1024;
const API_NAMES: Record<number, string> = {
  [ApiKey.Produce]: 'Produce',
  [ApiKey.Fetch]: 'Fetch',
  [ApiKey.ListOffsets]: 'ListOffsets',
  [ApiKey.Metadata]: 'Metadata',
  [ApiKey.ApiVersions]: 'ApiVersions',
};

/** Sends a response body; the connection encodes it and keeps responses in request order. */
type Respond = (body: unknown) => void;

export async function startFloorResponder(options: FloorResponderOptions): Promise<FloorResponder> {
  const host = options.host ?? '127.0.0.1';
  const writer = openDurableWriter(options.mode, options.dir, options.ringBytes);
  const logs = new Map<string, FloorLog>();
  const logFor: LogFor = (topic) => {
    let log = logs.get(topic);
    if (log === undefined) {
      log = new FloorLog(options.retainedBytes);
      logs.set(topic, log);
    }
    return log;
  };
  const counts: Record<string, number> = {};
  /** Long polls waiting for records: each one's retry (true once answered) and its maxWaitMs timer. */
  const parkedFetches = new Map<() => boolean, NodeJS.Timeout>();
  let isWakeScheduled = false;
  /** Once per burst of publishes (a group's produces), each parked fetch looks again. */
  const wakeFetches = (): void => {
    if (isWakeScheduled) return;
    isWakeScheduled = true;
    queueMicrotask(() => {
      isWakeScheduled = false;
      for (const retry of parkedFetches.keys()) if (retry()) parkedFetches.delete(retry);
    });
  };
  let port = 0;

  const answerProduce = (request: ProduceRequest, respond: Respond | undefined): void => {
    let pending = 1;
    const finish = (): void => {
      pending -= 1;
      if (pending === 0) respond?.(body);
    };
    const body: ProduceResponse = {
      responses: request.topicData.map((topic) => ({
        name: topic.name,
        partitionResponses: topic.partitionData.map((partition) => {
          const answer = {
            index: partition.index,
            errorCode: ErrorCode.NONE as number,
            baseOffset: -1n,
            logAppendTimeMs: -1n,
            logStartOffset: -1n,
            recordErrors: [],
            errorMessage: null,
            currentLeader: { leaderId: -1, leaderEpoch: -1 },
          };
          if (partition.index !== 0 || partition.records === null) {
            answer.errorCode =
              partition.index !== 0 ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.CORRUPT_MESSAGE;
            return answer;
          }
          const log = logFor(topic.name);
          const records = options.isCopying === true ? Buffer.from(partition.records) : partition.records;
          let offsets: { baseOffset: number; endOffset: number };
          try {
            offsets = log.reserve(records);
          } catch {
            answer.errorCode = ErrorCode.CORRUPT_MESSAGE;
            return answer;
          }
          answer.baseOffset = BigInt(offsets.baseOffset);
          pending += 1;
          writer.write(records, (error) => {
            if (error === undefined) {
              log.publish(records, offsets.baseOffset, offsets.endOffset);
              answer.logStartOffset = BigInt(log.logStartOffset);
              wakeFetches();
            } else {
              answer.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
            }
            // The wake-up's microtask was queued first, so it runs before this one.
            if (options.isFetchFirst === true) queueMicrotask(finish);
            else finish();
          });
          return answer;
        }),
      })),
      throttleTimeMs: 0,
      nodeEndpoints: [],
    };
    finish();
  };

  const answerFetch = (request: FetchRequest, respond: Respond): void => {
    const first = fetchResponse(request, logFor);
    if (first.isReady || request.maxWaitMs <= 0) {
      respond(first.body);
      return;
    }
    const retry = (): boolean => {
      const now = fetchResponse(request, logFor);
      if (!now.isReady) return false;
      clearTimeout(parkedFetches.get(retry));
      respond(now.body);
      return true;
    };
    const timer = setTimeout(() => {
      parkedFetches.delete(retry);
      respond(fetchResponse(request, logFor).body);
    }, request.maxWaitMs);
    parkedFetches.set(retry, timer);
  };

  /** Answers one request through `respond`, or calls `noResponse` for a produce with acks=0 (Kafka sends none). */
  const dispatch = (
    header: RequestHeader,
    reader: ByteReader,
    respond: Respond,
    noResponse: () => void,
  ): void => {
    const apiKey = header.requestApiKey;
    const version = header.requestApiVersion;
    switch (apiKey) {
      case ApiKey.ApiVersions:
        respond(apiVersionsResponse(ErrorCode.NONE));
        return;
      case ApiKey.Metadata:
        respond(
          metadataResponse(decodeRequestBody(apiKey, version, reader), host, port, logFor, () => logs.keys()),
        );
        return;
      case ApiKey.ListOffsets:
        respond(listOffsetsResponse(decodeRequestBody(apiKey, version, reader), logFor));
        return;
      case ApiKey.Produce: {
        const request = decodeRequestBody(apiKey, version, reader);
        if (request.acks === 0) noResponse();
        answerProduce(request, request.acks === 0 ? undefined : respond);
        return;
      }
      case ApiKey.Fetch:
        answerFetch(decodeRequestBody(apiKey, version, reader), respond);
        return;
      default:
        throw new Error(`API ${apiKey} is not served`);
    }
  };

  const serve = (socket: Socket): void => {
    socket.setNoDelay(true);
    const decoder = new FrameDecoder({ minFrameBytes: 8, maxFrameBytes: MAX_FRAME_BYTES });
    /** Responses in request order; undefined until that request is answered. */
    const queue: { chunks: Buffer[] | undefined }[] = [];
    const flush = (): void => {
      if (queue[0]?.chunks === undefined) return;
      socket.cork();
      while (queue[0]?.chunks !== undefined) for (const chunk of queue.shift()!.chunks!) socket.write(chunk);
      socket.uncork();
    };
    const handle = (frame: Buffer): void => {
      const reader = new ByteReader(frame);
      const header = decodeRequestHeader(reader);
      const apiKey = header.requestApiKey as ApiKey;
      const range = SERVED_APIS.get(apiKey);
      if (range === undefined) throw new Error(`API ${apiKey} is not served`);
      const slot: { chunks: Buffer[] | undefined } = { chunks: undefined };
      queue.push(slot);
      counts[API_NAMES[apiKey]!] = (counts[API_NAMES[apiKey]!] ?? 0) + 1;
      const version = header.requestApiVersion;
      if (version < range.min || version > range.max) {
        if (apiKey !== ApiKey.ApiVersions) throw new Error(`${API_NAMES[apiKey]} v${version} is not served`);
        // KIP-511: a v0 answer naming our ApiVersions range, so the client retries with one we serve.
        slot.chunks = encodeResponse(
          ApiKey.ApiVersions,
          0,
          header.correlationId,
          apiVersionsResponse(ErrorCode.UNSUPPORTED_VERSION),
        );
        flush();
        return;
      }
      const respond: Respond = (body) => {
        slot.chunks = encodeResponse(apiKey, version, header.correlationId, body as never);
        flush();
      };
      dispatch(header, reader, respond, () => queue.splice(queue.indexOf(slot), 1));
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk);
        for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) handle(frame);
      } catch (error: unknown) {
        if (process.env.FLOOR_DEBUG) console.error(error);
        // A frame that cannot be trusted, or an API this instrument does not serve: drop the connection.
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
  };

  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serve(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    bootstrap: `${host}:${port}`,
    counts: () => ({ ...counts, groups: writer.groups }),
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const timer of parkedFetches.values()) clearTimeout(timer);
      parkedFetches.clear();
      writer.close();
    },
  };
}
