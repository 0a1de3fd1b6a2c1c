// Proves that every RaftMessage kind survives encode → frame → decode unchanged (examples and random
// messages from fast-check), and that truncated, padded or unknown frames raise DecodeError, never a
// wrong message or an out-of-bounds read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../../protocol/index.js';
import type { LogEntry } from '../core/log-entry.js';
import type { RaftMessage } from '../core/raft-message.js';
import { decodeRaftFrame, encodeRaftFrame } from './raft-wire-codec.js';

const envelope = { from: 1, to: 2, term: 7 };
const entries: LogEntry[] = [
  { kind: 'noop', index: 11, term: 7 },
  { kind: 'command', index: 12, term: 7, data: Buffer.from('hello') },
  { kind: 'config', index: 13, term: 7, config: { voters: [1, 2, 3], learners: [4] } },
  { kind: 'command', index: 14, term: 7, data: Buffer.alloc(20_000, 7) },
];

const examples: RaftMessage[] = [
  { ...envelope, kind: 'preVote', lastLogIndex: 10, lastLogTerm: 6 },
  { ...envelope, kind: 'preVoteResponse', granted: true },
  { ...envelope, kind: 'vote', lastLogIndex: 2 ** 40, lastLogTerm: 6, isTransfer: true },
  { ...envelope, kind: 'voteResponse', granted: false },
  { ...envelope, kind: 'append', prevLogIndex: 10, prevLogTerm: 6, entries, leaderCommit: 9 },
  { ...envelope, kind: 'append', prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 },
  { ...envelope, kind: 'appendResponse', success: true, matchIndex: 14 },
  { ...envelope, kind: 'appendResponse', success: false, rejectedIndex: 10, hintIndex: 8, hintTerm: 5 },
  { ...envelope, kind: 'heartbeat', leaderCommit: 9, readSeq: 3 },
  { ...envelope, kind: 'heartbeatResponse', readSeq: 3 },
  {
    ...envelope,
    kind: 'installSnapshot',
    snapshotIndex: 100,
    snapshotTerm: 6,
    config: { voters: [1, 2, 3], learners: [] },
    offset: 4096,
    chunk: Buffer.from([1, 2, 3]),
    done: true,
  },
  { ...envelope, kind: 'installSnapshotResponse', snapshotIndex: 100, nextOffset: 4099, done: true },
  { ...envelope, kind: 'timeoutNow' },
];

function frameBody(message: RaftMessage, clusterId = 'c1'): Buffer {
  const frame = Buffer.concat(encodeRaftFrame(message, clusterId));
  assert.equal(frame.readInt32BE(0), frame.length - 4, 'the size prefix counts the rest of the frame');
  return frame.subarray(4);
}

/** Byte fields decode as Buffers (views), tests build Uint8Arrays: compare plain values. */
function normalise(value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value];
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, normalise(field)]));
  }
  return value;
}

describe('raft wire codec', () => {
  it('round-trips one message of every kind', () => {
    for (const message of examples) {
      const decoded = decodeRaftFrame(frameBody(message));
      assert.equal(decoded.clusterId, 'c1');
      assert.deepEqual(normalise(decoded.message), normalise(message), message.kind);
    }
  });

  it('round-trips random appends and votes', () => {
    const index = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1000 });
    const term = fc.integer({ min: 0, max: 2 ** 31 - 1 });
    const entry = fc.oneof(
      fc.record({ kind: fc.constant('noop' as const), term }),
      fc.record({ kind: fc.constant('command' as const), term, data: fc.uint8Array({ maxLength: 300 }) }),
      fc.record({
        kind: fc.constant('config' as const),
        term,
        config: fc.record({
          voters: fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { maxLength: 5 }),
          learners: fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { maxLength: 5 }),
        }),
      }),
    );
    const append = fc
      .record({
        prevLogIndex: index,
        prevLogTerm: term,
        leaderCommit: index,
        term,
        raw: fc.array(entry, { maxLength: 20 }),
      })
      .map(
        ({ raw, ...rest }): RaftMessage => ({
          from: 3,
          to: 1,
          kind: 'append',
          ...rest,
          entries: raw.map((e, i) => ({ ...e, index: rest.prevLogIndex + 1 + i }) as LogEntry),
        }),
      );
    fc.assert(
      fc.property(append, (message) => {
        assert.deepEqual(normalise(decodeRaftFrame(frameBody(message)).message), normalise(message));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses every truncation and any trailing byte with DecodeError', () => {
    for (const message of examples.slice(0, 8)) {
      const body = frameBody(message);
      for (let cut = 0; cut < body.length; cut++) {
        assert.throws(
          () => decodeRaftFrame(body.subarray(0, cut)),
          DecodeError,
          `${message.kind} cut at ${cut}`,
        );
      }
      assert.throws(() => decodeRaftFrame(Buffer.concat([body, Buffer.from([0])])), DecodeError);
    }
  });

  it('refuses an unknown message kind and a negative term', () => {
    const body = Buffer.from(frameBody(examples[1]!));
    body.writeInt8(99, 0);
    assert.throws(() => decodeRaftFrame(body), /unknown raft message kind 99/);
    const negative = frameBody({ ...envelope, kind: 'timeoutNow', term: -1 } as RaftMessage);
    assert.throws(() => decodeRaftFrame(negative), /negative term/);
  });

  it('decodes arbitrary bytes to a message or a DecodeError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeRaftFrame(Buffer.from(bytes));
        } catch (error: unknown) {
          assert.ok(error instanceof DecodeError, String(error));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
