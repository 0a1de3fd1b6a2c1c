// src/network owns TCP listeners, size-prefixed framing, per-connection ordered responses, request size
// limits, idle and graceful closing, and the outbound KafkaConnection. It must not know what a request means.

export {
  localVersionRange,
  type NegotiatedVersions,
  negotiateApiVersions,
} from './api-versions-negotiation.js';
export { BufferPool, type BufferPoolOptions } from './buffer-pool.js';
export {
  ConnectError,
  ConnectionClosedError,
  RequestAbortedError,
  RequestQueueFullError,
  RequestTimeoutError,
} from './connection-errors.js';
export { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, type FrameLimits } from './frame-decoder.js';
export { FrameError } from './frame-error.js';
export { KafkaConnection, type KafkaConnectionOptions, type RequestOptions } from './kafka-connection.js';
export type { BoundListener } from './kafka-listener.js';
export {
  DEFAULT_SECURITY_PROTOCOL_MAP,
  ListenerConfigError,
  type ListenerEndpoint,
  parseListeners,
  parseSecurityProtocolMap,
  resolveAdvertisedListeners,
  type SecurityProtocol,
} from './listener-config.js';
export { NetworkMetrics } from './network-metrics.js';
export type { ConnectionInfo, NetworkRequest, RequestHandler } from './request-handler.js';
export { isRequestTracing, REQUEST_TRACE_CHANNEL, RequestTrace } from './request-trace.js';
export {
  DEFAULT_CONNECTIONS_MAX_IDLE_MS,
  DEFAULT_MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
  DEFAULT_WRITE_HIGH_WATER_MARK_BYTES,
  SocketServer,
  type SocketServerOptions,
} from './socket-server.js';
