// src/protocol owns the Kafka wire format: primitives, generated message codecs, record batches,
// compression, CRC and the error table. It must not know about sockets, disks or any other layer.

export * from './compression/index.js';
export type { KafkaErrorRow } from './error-codes.js';
export {
  ErrorCode,
  errorByCode,
  errorName,
  KAFKA_ERRORS,
  KafkaError,
  type KafkaErrorInfo,
  type KafkaErrorName,
  type KafkaFailureName,
  kafkaError,
  kafkaErrorFromCode,
} from './errors.js';
export * from './generated/index.js';
export {
  MAX_EMPTY_ELEMENT_COUNT,
  MAX_STRING_BYTES,
  type MessageDescriptor,
  type MessageKind,
  type VersionRange,
} from './message-codec/index.js';
export {
  type DecodedRequest,
  decodeRequest,
  decodeRequestBody,
  decodeRequestHeader,
  decodeResponse,
  decodeResponseHeader,
  encodeRequest,
  encodeResponse,
  type RequestHeaderFor,
} from './messages.js';
export * from './primitives/index.js';
export { PyralogError } from './pyralog-error.js';
/** Pyralog's own Raft peer messages (not Kafka's), generated from src/protocol/raft-wire/specs. */
export * as raftWire from './raft-wire/generated/index.js';
export * from './records/index.js';
