// src/protocol owns the Kafka wire format: primitives, generated message codecs, record batches,
// compression, CRC and the error table. It must not know about sockets, disks or any other layer.
export * from './primitives/index.js';
export { PyralogError } from './pyralog-error.js';
