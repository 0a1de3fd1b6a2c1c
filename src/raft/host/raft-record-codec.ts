import { crc32c } from '@node-rs/crc32';
import { assertNever } from '../core/assert.js';
import type { ClusterConfig, HardState, LogEntry, Snapshot } from '../core/log-entry.js';

/**
 * The byte layouts of FileRaftStorage (big-endian, every record checked by a CRC-32C):
 *
 * Log record (one entry):  u32 bodyLength | u32 crc32c(body) | body
 *   body: u8 kind (0 command, 1 noop, 2 config) | u64 index | u64 term | payload
 *   payload: command → the data bytes; noop → nothing; config → the configuration (below)
 * Hard state file:         u32 magic 'PRHS' | u16 version | u8 hasVote | i32 votedFor | u64 term | u32 crc32c(all before)
 * Snapshot file:           u32 magic 'PRSN' | u16 version | u64 generation | u64 index | u64 term |
 *                          configuration | u32 dataLength | data | u32 crc32c(all before)
 * Configuration:           u32 voterCount | i32 voters... | u32 learnerCount | i32 learners...
 *
 * u64 values are written as two u32 halves and must stay within Number.MAX_SAFE_INTEGER.
 */
export const RECORD_HEADER_BYTES = 8;
const BODY_FIXED_BYTES = 1 + 8 + 8;
/** A body length above this is garbage (a torn or overwritten length field), not a record to allocate for. */
export const MAX_RECORD_BODY_BYTES = 256 * 1024 * 1024;

const KIND_COMMAND = 0;
const KIND_NOOP = 1;
const KIND_CONFIG = 2;

const HARD_STATE_MAGIC = 0x50524853; // 'PRHS'
const SNAPSHOT_MAGIC = 0x5052534e; // 'PRSN'
const FORMAT_VERSION = 1;
const HARD_STATE_BYTES = 4 + 2 + 1 + 4 + 8 + 4;

/** The bytes one record of `entry` takes in a segment. */
export function recordBytes(entry: LogEntry): number {
  return RECORD_HEADER_BYTES + BODY_FIXED_BYTES + payloadBytes(entry);
}

function payloadBytes(entry: LogEntry): number {
  switch (entry.kind) {
    case 'command':
      return entry.data.byteLength;
    case 'noop':
      return 0;
    case 'config':
      return configBytes(entry.config);
    default:
      return assertNever(entry);
  }
}

function configBytes(config: ClusterConfig): number {
  return 8 + 4 * (config.voters.length + config.learners.length);
}

/** Writes `entry` as one record at `position` of `buffer` (which has recordBytes(entry) there); returns the end. */
export function writeRecord(buffer: Buffer, position: number, entry: LogEntry): number {
  const bodyStart = position + RECORD_HEADER_BYTES;
  let at = bodyStart;
  switch (entry.kind) {
    case 'command':
      at = buffer.writeUInt8(KIND_COMMAND, at);
      at = writeU64(buffer, at, entry.index);
      at = writeU64(buffer, at, entry.term);
      at += Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength).copy(buffer, at);
      break;
    case 'noop':
      at = buffer.writeUInt8(KIND_NOOP, at);
      at = writeU64(buffer, at, entry.index);
      at = writeU64(buffer, at, entry.term);
      break;
    case 'config':
      at = buffer.writeUInt8(KIND_CONFIG, at);
      at = writeU64(buffer, at, entry.index);
      at = writeU64(buffer, at, entry.term);
      at = writeConfig(buffer, at, entry.config);
      break;
    default:
      assertNever(entry);
  }
  buffer.writeUInt32BE(at - bodyStart, position);
  buffer.writeUInt32BE(crc32c(buffer.subarray(bodyStart, at)), position + 4);
  return at;
}

/** One record read back: the entry and where the next record starts. */
export type RecordRead =
  | { readonly ok: true; readonly entry: LogEntry; readonly end: number }
  | { readonly ok: false; readonly why: string };

/**
 * Decodes the record at `position`, or says why the bytes there are not a whole valid record (a torn
 * tail, garbage, a CRC mismatch). The entry's data is copied out of `buffer`.
 */
export function readRecord(buffer: Buffer, position: number): RecordRead {
  if (buffer.length - position < RECORD_HEADER_BYTES) return { ok: false, why: 'a short record header' };
  const bodyLength = buffer.readUInt32BE(position);
  if (bodyLength < BODY_FIXED_BYTES || bodyLength > MAX_RECORD_BODY_BYTES)
    return { ok: false, why: `a record length of ${bodyLength}` };
  const bodyStart = position + RECORD_HEADER_BYTES;
  const end = bodyStart + bodyLength;
  if (end > buffer.length) return { ok: false, why: 'a record cut short' };
  const body = buffer.subarray(bodyStart, end);
  if (crc32c(body) !== buffer.readUInt32BE(position + 4)) return { ok: false, why: 'a record CRC mismatch' };
  const kind = body.readUInt8(0);
  const index = readU64(body, 1);
  const term = readU64(body, 9);
  if (index === undefined || term === undefined) return { ok: false, why: 'an index or term out of range' };
  const payload = body.subarray(BODY_FIXED_BYTES);
  switch (kind) {
    case KIND_COMMAND:
      return { ok: true, entry: { kind: 'command', index, term, data: new Uint8Array(payload) }, end };
    case KIND_NOOP:
      if (payload.length !== 0) return { ok: false, why: 'a noop record with a payload' };
      return { ok: true, entry: { kind: 'noop', index, term }, end };
    case KIND_CONFIG: {
      const config = readConfig(payload, 0);
      if (config === undefined || config.end !== payload.length)
        return { ok: false, why: 'a bad configuration' };
      return { ok: true, entry: { kind: 'config', index, term, config: config.config }, end };
    }
    default:
      return { ok: false, why: `an unknown record kind ${kind}` };
  }
}

export function encodeHardState(hardState: HardState): Buffer {
  const buffer = Buffer.alloc(HARD_STATE_BYTES);
  let at = buffer.writeUInt32BE(HARD_STATE_MAGIC, 0);
  at = buffer.writeUInt16BE(FORMAT_VERSION, at);
  at = buffer.writeUInt8(hardState.votedFor === undefined ? 0 : 1, at);
  at = buffer.writeInt32BE(hardState.votedFor ?? -1, at);
  at = writeU64(buffer, at, hardState.term);
  buffer.writeUInt32BE(crc32c(buffer.subarray(0, at)), at);
  return buffer;
}

/** The hard state in `bytes`, or why it is not one. */
export function decodeHardState(bytes: Buffer): HardState | string {
  if (bytes.length !== HARD_STATE_BYTES) return `${bytes.length} bytes`;
  const crcAt = HARD_STATE_BYTES - 4;
  if (crc32c(bytes.subarray(0, crcAt)) !== bytes.readUInt32BE(crcAt)) return 'a CRC mismatch';
  if (bytes.readUInt32BE(0) !== HARD_STATE_MAGIC) return 'not a hard state file';
  if (bytes.readUInt16BE(4) !== FORMAT_VERSION) return `unknown version ${bytes.readUInt16BE(4)}`;
  const hasVote = bytes.readUInt8(6) === 1;
  const votedFor = bytes.readInt32BE(7);
  const term = readU64(bytes, 11);
  if (term === undefined) return 'a term out of range';
  return { term, votedFor: hasVote ? votedFor : undefined };
}

/** A snapshot file's content: the snapshot and the log generation it starts (see FileRaftStorage). */
export interface StoredSnapshot {
  readonly snapshot: Snapshot;
  readonly generation: number;
}

/**
 * The snapshot file's bytes as [header, data, CRC]: the data is written from the caller's buffer as
 * is. A state machine's snapshot can be tens of MiB: copying it into one buffer for the file held the
 * event loop (a fresh allocation is page-faulted in as it is written) as long as taking it did.
 */
export function encodeSnapshot({ snapshot, generation }: StoredSnapshot): Buffer[] {
  const header = Buffer.allocUnsafe(4 + 2 + 24 + configBytes(snapshot.config) + 4);
  let at = header.writeUInt32BE(SNAPSHOT_MAGIC, 0);
  at = header.writeUInt16BE(FORMAT_VERSION, at);
  at = writeU64(header, at, generation);
  at = writeU64(header, at, snapshot.index);
  at = writeU64(header, at, snapshot.term);
  at = writeConfig(header, at, snapshot.config);
  header.writeUInt32BE(snapshot.data.byteLength, at);
  const data = Buffer.from(snapshot.data.buffer, snapshot.data.byteOffset, snapshot.data.byteLength);
  const trailer = Buffer.allocUnsafe(4);
  trailer.writeUInt32BE(crc32c(data, crc32c(header)), 0);
  return [header, data, trailer];
}

/** The snapshot in `bytes`, or why it is not one. */
export function decodeSnapshot(bytes: Buffer): StoredSnapshot | string {
  if (bytes.length < 4 + 2 + 24 + 8 + 4 + 4) return `${bytes.length} bytes is too short`;
  const crcAt = bytes.length - 4;
  if (crc32c(bytes.subarray(0, crcAt)) !== bytes.readUInt32BE(crcAt)) return 'a CRC mismatch';
  if (bytes.readUInt32BE(0) !== SNAPSHOT_MAGIC) return 'not a snapshot file';
  if (bytes.readUInt16BE(4) !== FORMAT_VERSION) return `unknown version ${bytes.readUInt16BE(4)}`;
  const generation = readU64(bytes, 6);
  const index = readU64(bytes, 14);
  const term = readU64(bytes, 22);
  const config = readConfig(bytes.subarray(0, crcAt), 30);
  if (generation === undefined || index === undefined || term === undefined || config === undefined)
    return 'a bad header';
  if (config.end + 4 > crcAt) return 'a bad data length';
  const dataLength = bytes.readUInt32BE(config.end);
  if (config.end + 4 + dataLength !== crcAt) return 'a bad data length';
  const data = new Uint8Array(bytes.subarray(config.end + 4, crcAt));
  return { generation, snapshot: { index, term, config: config.config, data } };
}

function writeConfig(buffer: Buffer, position: number, config: ClusterConfig): number {
  let at = buffer.writeUInt32BE(config.voters.length, position);
  for (const voter of config.voters) at = buffer.writeInt32BE(voter, at);
  at = buffer.writeUInt32BE(config.learners.length, at);
  for (const learner of config.learners) at = buffer.writeInt32BE(learner, at);
  return at;
}

function readConfig(bytes: Buffer, position: number): { config: ClusterConfig; end: number } | undefined {
  const voters = readIds(bytes, position);
  if (voters === undefined) return undefined;
  const learners = readIds(bytes, voters.end);
  if (learners === undefined) return undefined;
  return { config: { voters: voters.ids, learners: learners.ids }, end: learners.end };
}

function readIds(bytes: Buffer, position: number): { ids: number[]; end: number } | undefined {
  if (position + 4 > bytes.length) return undefined;
  const count = bytes.readUInt32BE(position);
  const end = position + 4 + 4 * count;
  if (end > bytes.length) return undefined;
  const ids: number[] = [];
  for (let at = position + 4; at < end; at += 4) ids.push(bytes.readInt32BE(at));
  return { ids, end };
}

const TWO_POW_32 = 2 ** 32;

function writeU64(buffer: Buffer, position: number, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${value} is not a u64 this format stores`);
  buffer.writeUInt32BE(Math.floor(value / TWO_POW_32), position);
  return buffer.writeUInt32BE(value >>> 0, position + 4);
}

function readU64(buffer: Buffer, position: number): number | undefined {
  const value = buffer.readUInt32BE(position) * TWO_POW_32 + buffer.readUInt32BE(position + 4);
  return Number.isSafeInteger(value) ? value : undefined;
}
