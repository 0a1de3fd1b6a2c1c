import { PyralogError } from '../pyralog-error.js';

/**
 * Bytes that cannot be decoded: truncated input, a length field beyond the bytes present or over a
 * configured maximum, an invalid varint. The network layer closes the connection of a frame whose
 * header raises this; a body that raises it is answered as a corrupt request.
 */
export class DecodeError extends PyralogError {
  readonly code = 'DECODE_ERROR';
}

/** Writing a value that the target version cannot represent (e.g. a non-ignorable field it lacks). */
export class EncodeError extends PyralogError {
  readonly code = 'ENCODE_ERROR';
}
