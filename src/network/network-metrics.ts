/**
 * Counters of one SocketServer, read by the metrics layer (plain numbers, only ever incremented,
 * except `activeConnections`). One instance per server; not reset.
 */
export class NetworkMetrics {
  connectionsAccepted = 0;
  /** Closed because `max.connections` was reached when they arrived. */
  connectionsRejected = 0;
  connectionsClosed = 0;
  activeConnections = 0;
  /** Connections closed for a frame that could not be trusted (bad size, undecodable header). */
  frameErrors = 0;
  /** Connections closed because a RequestHandler broke its contract by throwing. */
  handlerFailures = 0;
  idleConnectionsClosed = 0;
  requestsReceived = 0;
  /** Request bytes including size prefixes. */
  bytesReceived = 0;
  /** Times a connection stopped reading because of the in-flight bound or a full write buffer. */
  readPauses = 0;
}
