import { ByteReader, ByteWriter, DecodeError, raftWire } from '../../protocol/index.js';
import { assertNever } from '../core/assert.js';
import type { ClusterConfig, LogEntry } from '../core/log-entry.js';
import type { RaftMessage, RaftMessageKind } from '../core/raft-message.js';

/**
 * RaftMessage ↔ bytes on Pyralog's own peer schema (src/protocol/raft-wire/specs, generated codecs).
 * A frame is int32 size, RaftFrameHeader (kind, body version, cluster id, from, to, term), then the body
 * of that kind. Indices travel as int64, terms as int32 (Kafka's epoch width); an entry's index is
 * implied by its position after prevLogIndex, so entries carry no index of their own.
 */

const KIND_CODES: Readonly<Record<RaftMessageKind, number>> = {
  preVote: 0,
  preVoteResponse: 1,
  vote: 2,
  voteResponse: 3,
  append: 4,
  appendResponse: 5,
  heartbeat: 6,
  heartbeatResponse: 7,
  installSnapshot: 8,
  installSnapshotResponse: 9,
  timeoutNow: 10,
};
const KINDS_BY_CODE: readonly RaftMessageKind[] = Object.entries(KIND_CODES)
  .sort((a, b) => a[1] - b[1])
  .map(([kind]) => kind as RaftMessageKind);

const ENTRY_COMMAND = 0;
const ENTRY_NOOP = 1;
const ENTRY_CONFIG = 2;
const BODY_VERSION = 0;
const HEADER_VERSION = 0;

/** Encodes `message` as one frame (size prefix included), as chunks for `socket.writev`. */
export function encodeRaftFrame(message: RaftMessage, clusterId: string): Buffer[] {
  const w = new ByteWriter();
  raftWire.encodeRaftFrameHeader(w, HEADER_VERSION, {
    messageKind: KIND_CODES[message.kind],
    bodyVersion: BODY_VERSION,
    clusterId,
    from: message.from,
    to: message.to,
    term: message.term,
  });
  encodeBody(w, message);
  const chunks = w.toChunks();
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(w.length, 0);
  return [size, ...chunks];
}

function encodeBody(w: ByteWriter, message: RaftMessage): void {
  switch (message.kind) {
    case 'preVote':
    case 'vote':
      raftWire.encodeRaftVote(w, BODY_VERSION, {
        lastLogIndex: BigInt(message.lastLogIndex),
        lastLogTerm: message.lastLogTerm,
        isTransfer: message.kind === 'vote' && message.isTransfer,
      });
      return;
    case 'preVoteResponse':
    case 'voteResponse':
      raftWire.encodeRaftVoteResponse(w, BODY_VERSION, { granted: message.granted });
      return;
    case 'append':
      raftWire.encodeRaftAppend(w, BODY_VERSION, {
        prevLogIndex: BigInt(message.prevLogIndex),
        prevLogTerm: message.prevLogTerm,
        leaderCommit: BigInt(message.leaderCommit),
        entries: message.entries.map(toWireEntry),
      });
      return;
    case 'appendResponse':
      raftWire.encodeRaftAppendResponse(
        w,
        BODY_VERSION,
        message.success
          ? {
              success: true,
              matchIndex: BigInt(message.matchIndex),
              rejectedIndex: 0n,
              hintIndex: 0n,
              hintTerm: 0,
            }
          : {
              success: false,
              matchIndex: 0n,
              rejectedIndex: BigInt(message.rejectedIndex),
              hintIndex: BigInt(message.hintIndex),
              hintTerm: message.hintTerm,
            },
      );
      return;
    case 'heartbeat':
      raftWire.encodeRaftHeartbeat(w, BODY_VERSION, {
        leaderCommit: BigInt(message.leaderCommit),
        readSeq: BigInt(message.readSeq),
      });
      return;
    case 'heartbeatResponse':
      raftWire.encodeRaftHeartbeatResponse(w, BODY_VERSION, { readSeq: BigInt(message.readSeq) });
      return;
    case 'installSnapshot':
      raftWire.encodeRaftInstallSnapshot(w, BODY_VERSION, {
        snapshotIndex: BigInt(message.snapshotIndex),
        snapshotTerm: message.snapshotTerm,
        voters: [...message.config.voters],
        learners: [...message.config.learners],
        offset: BigInt(message.offset),
        chunk: asBuffer(message.chunk),
        done: message.done,
      });
      return;
    case 'installSnapshotResponse':
      raftWire.encodeRaftInstallSnapshotResponse(w, BODY_VERSION, {
        snapshotIndex: BigInt(message.snapshotIndex),
        nextOffset: BigInt(message.nextOffset),
        done: message.done,
      });
      return;
    case 'timeoutNow':
      return;
    default:
      assertNever(message);
  }
}

const EMPTY = Buffer.alloc(0);

function toWireEntry(entry: LogEntry): raftWire.RaftAppendRaftEntry {
  switch (entry.kind) {
    case 'command':
      return {
        term: entry.term,
        entryKind: ENTRY_COMMAND,
        data: asBuffer(entry.data),
        voters: [],
        learners: [],
      };
    case 'noop':
      return { term: entry.term, entryKind: ENTRY_NOOP, data: EMPTY, voters: [], learners: [] };
    case 'config':
      return {
        term: entry.term,
        entryKind: ENTRY_CONFIG,
        data: EMPTY,
        voters: [...entry.config.voters],
        learners: [...entry.config.learners],
      };
    default:
      return assertNever(entry);
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A decoded frame: the message and the cluster id its sender belongs to. */
export interface DecodedRaftFrame {
  readonly clusterId: string;
  readonly message: RaftMessage;
}

/**
 * Decodes one frame body (without its size prefix). Throws DecodeError for anything that is not a
 * well-formed message: truncation, trailing bytes, an unknown kind or body version, a negative term or
 * index, an index beyond 2^53. Byte fields (command data, snapshot chunks) are views of `frame`.
 */
export function decodeRaftFrame(frame: Buffer): DecodedRaftFrame {
  const r = new ByteReader(frame);
  const header = raftWire.decodeRaftFrameHeader(r, HEADER_VERSION);
  const kind = KINDS_BY_CODE[header.messageKind];
  if (kind === undefined) throw new DecodeError(`unknown raft message kind ${header.messageKind}`);
  if (header.bodyVersion !== BODY_VERSION) {
    throw new DecodeError(`unsupported ${kind} body version ${header.bodyVersion}`);
  }
  const envelope = { from: header.from, to: header.to, term: nonNegative(header.term, 'term') };
  const message = decodeBody(r, kind, envelope);
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} trailing bytes after a ${kind} message`);
  return { clusterId: header.clusterId, message };
}

interface Envelope {
  readonly from: number;
  readonly to: number;
  readonly term: number;
}

function decodeBody(r: ByteReader, kind: RaftMessageKind, envelope: Envelope): RaftMessage {
  switch (kind) {
    case 'preVote':
    case 'vote': {
      const body = raftWire.decodeRaftVote(r, BODY_VERSION);
      const lastLogIndex = index(body.lastLogIndex, 'lastLogIndex');
      const lastLogTerm = nonNegative(body.lastLogTerm, 'lastLogTerm');
      return kind === 'vote'
        ? { ...envelope, kind, lastLogIndex, lastLogTerm, isTransfer: body.isTransfer }
        : { ...envelope, kind, lastLogIndex, lastLogTerm };
    }
    case 'preVoteResponse':
    case 'voteResponse':
      return { ...envelope, kind, granted: raftWire.decodeRaftVoteResponse(r, BODY_VERSION).granted };
    case 'append': {
      const body = raftWire.decodeRaftAppend(r, BODY_VERSION);
      const prevLogIndex = index(body.prevLogIndex, 'prevLogIndex');
      return {
        ...envelope,
        kind,
        prevLogIndex,
        prevLogTerm: nonNegative(body.prevLogTerm, 'prevLogTerm'),
        leaderCommit: index(body.leaderCommit, 'leaderCommit'),
        entries: body.entries.map((entry, i) => fromWireEntry(entry, prevLogIndex + 1 + i)),
      };
    }
    case 'appendResponse': {
      const body = raftWire.decodeRaftAppendResponse(r, BODY_VERSION);
      return body.success
        ? { ...envelope, kind, success: true, matchIndex: index(body.matchIndex, 'matchIndex') }
        : {
            ...envelope,
            kind,
            success: false,
            rejectedIndex: index(body.rejectedIndex, 'rejectedIndex'),
            hintIndex: index(body.hintIndex, 'hintIndex'),
            hintTerm: nonNegative(body.hintTerm, 'hintTerm'),
          };
    }
    case 'heartbeat': {
      const body = raftWire.decodeRaftHeartbeat(r, BODY_VERSION);
      return {
        ...envelope,
        kind,
        leaderCommit: index(body.leaderCommit, 'leaderCommit'),
        readSeq: index(body.readSeq, 'readSeq'),
      };
    }
    case 'heartbeatResponse':
      return {
        ...envelope,
        kind,
        readSeq: index(raftWire.decodeRaftHeartbeatResponse(r, BODY_VERSION).readSeq, 'readSeq'),
      };
    case 'installSnapshot': {
      const body = raftWire.decodeRaftInstallSnapshot(r, BODY_VERSION);
      return {
        ...envelope,
        kind,
        snapshotIndex: index(body.snapshotIndex, 'snapshotIndex'),
        snapshotTerm: nonNegative(body.snapshotTerm, 'snapshotTerm'),
        config: { voters: body.voters, learners: body.learners },
        offset: index(body.offset, 'offset'),
        chunk: body.chunk,
        done: body.done,
      };
    }
    case 'installSnapshotResponse': {
      const body = raftWire.decodeRaftInstallSnapshotResponse(r, BODY_VERSION);
      return {
        ...envelope,
        kind,
        snapshotIndex: index(body.snapshotIndex, 'snapshotIndex'),
        nextOffset: index(body.nextOffset, 'nextOffset'),
        done: body.done,
      };
    }
    case 'timeoutNow':
      return { ...envelope, kind };
    default:
      return assertNever(kind);
  }
}

function fromWireEntry(entry: raftWire.RaftAppendRaftEntry, entryIndex: number): LogEntry {
  const term = nonNegative(entry.term, 'entry term');
  switch (entry.entryKind) {
    case ENTRY_COMMAND:
      return { kind: 'command', index: entryIndex, term, data: entry.data };
    case ENTRY_NOOP:
      return { kind: 'noop', index: entryIndex, term };
    case ENTRY_CONFIG: {
      const config: ClusterConfig = { voters: entry.voters, learners: entry.learners };
      return { kind: 'config', index: entryIndex, term, config };
    }
    default:
      throw new DecodeError(`unknown raft entry kind ${entry.entryKind}`);
  }
}

function nonNegative(value: number, what: string): number {
  if (value < 0) throw new DecodeError(`negative ${what} ${value}`);
  return value;
}

function index(value: bigint, what: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new DecodeError(`${what} ${value} out of range`);
  return Number(value);
}
