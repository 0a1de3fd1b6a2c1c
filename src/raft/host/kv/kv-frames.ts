import { ByteReader, ByteWriter, DecodeError, raftWire } from '../../../protocol/index.js';

export const KV_OPERATION_PUT = 0;
export const KV_OPERATION_GET = 1;
const VERSION = 0;
/** Smallest client frame: request id, operation, two empty byte fields, tagged fields. */
export const KV_MIN_FRAME_BYTES = 8;

/** One size-prefixed frame holding `encode`'s output, as chunks for writev. */
function frame(encode: (w: ByteWriter) => void): Buffer[] {
  const w = new ByteWriter();
  encode(w);
  const chunks = w.toChunks();
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(w.length, 0);
  return [size, ...chunks];
}

export function encodeKvRequest(request: raftWire.RaftKvRequest): Buffer[] {
  return frame((w) => raftWire.encodeRaftKvRequest(w, VERSION, request));
}

export function encodeKvResponse(response: raftWire.RaftKvResponse): Buffer[] {
  return frame((w) => raftWire.encodeRaftKvResponse(w, VERSION, response));
}

function decodeWhole<T>(body: Buffer, decode: (r: ByteReader, version: number) => T, what: string): T {
  const r = new ByteReader(body);
  const value = decode(r, VERSION);
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} trailing bytes after a ${what}`);
  return value;
}

export function decodeKvRequest(body: Buffer): raftWire.RaftKvRequest {
  return decodeWhole(body, raftWire.decodeRaftKvRequest, 'key-value request');
}

export function decodeKvResponse(body: Buffer): raftWire.RaftKvResponse {
  return decodeWhole(body, raftWire.decodeRaftKvResponse, 'key-value response');
}
