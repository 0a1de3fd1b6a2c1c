// The wire primitives: bounds-checked reading and chunked writing of Kafka's fixed-width, varint,
// compact and UUID types. Knows nothing of messages, records or I/O.
export { ByteReader } from './byte-reader.js';
export { ByteWriter, ZERO_COPY_THRESHOLD } from './byte-writer.js';
export { DecodeError, EncodeError } from './decode-error.js';
export { readInt64BE, readInt64BEPlus, writeInt64BE } from './int64.js';
export { randomUuid, type Uuid, uuidFromBytes, uuidToBytes, ZERO_UUID } from './uuid.js';
