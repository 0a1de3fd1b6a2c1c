// Runtime support for the message codecs generated into src/protocol/generated: Kafka's string, bytes,
// array, nullable-struct and tagged-field encodings on top of the primitives. Knows no message.
export {
  checkDecodeVersion,
  MAX_EMPTY_ELEMENT_COUNT,
  MAX_STRING_BYTES,
  readArray,
  readBytes,
  readNullableArray,
  readNullableBytes,
  readNullableString,
  readString,
  readStructPresence,
  readTaggedFields,
} from './field-readers.js';
export {
  checkEncodeVersion,
  nonDefaultFieldError,
  writeArrayLength,
  writeBytes,
  writeNullableArrayLength,
  writeNullableBytes,
  writeNullableString,
  writeString,
  writeStructPresence,
  writeTaggedField,
} from './field-writers.js';
export type { MessageDescriptor, MessageKind, VersionRange } from './message-descriptor.js';
