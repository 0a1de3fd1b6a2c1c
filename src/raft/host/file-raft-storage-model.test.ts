// Property test (fast-check): random sequences of RaftStorage calls (appends that overwrite suffixes,
// votes, local and installed snapshots, syncs) interleaved with clean reopens, process crashes and
// power losses (clean or torn) run against FileRaftStorage on the in-memory disk with tiny segments,
// and against a model (StoredLog). A reopen or process crash must load exactly the model's state; a
// power loss must load one of the states the RaftStorage contract allows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MemoryFileSystem } from '../../storage/index.js';
import { SeededRandom } from '../../testing/index.js';
import type { LogEntry } from '../core/log-entry.js';
import {
  allowedStates,
  applyCall,
  comparable,
  losePower,
  type StorageCall,
} from './crash-points.test-support.js';
import { FileRaftStorage } from './file-raft-storage.js';
import { CONFIG } from './raft-storage-contract.test-support.js';
import { StoredLog } from './stored-log.js';

const DIR = '/raft';
const SEGMENT_BYTES = 120;

type Op =
  | {
      readonly kind: 'append';
      readonly back: number;
      readonly count: number;
      readonly bump: boolean;
      readonly size: number;
    }
  | { readonly kind: 'hardState'; readonly bump: boolean; readonly vote: number | undefined }
  | { readonly kind: 'snapshot'; readonly fraction: number }
  | { readonly kind: 'install'; readonly ahead: number; readonly bump: boolean }
  | { readonly kind: 'sync' }
  | { readonly kind: 'reopen' }
  | { readonly kind: 'processCrash' }
  | { readonly kind: 'powerLoss'; readonly tornSeed: number | undefined };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      back: fc.nat(6),
      count: fc.integer({ min: 1, max: 6 }),
      bump: fc.boolean(),
      size: fc.nat(40),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('hardState' as const),
      bump: fc.boolean(),
      vote: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('snapshot' as const),
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('install' as const),
      ahead: fc.integer({ min: -3, max: 5 }),
      bump: fc.boolean(),
    }),
  },
  { weight: 4, arbitrary: fc.constant({ kind: 'sync' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'processCrash' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('powerLoss' as const),
      tornSeed: fc.option(fc.nat(), { nil: undefined }),
    }),
  },
);

/** Turns an op into a valid call for the model's current state (or undefined when it has none). */
function toCall(op: Op, model: StoredLog, term: { value: number }): StorageCall | undefined {
  switch (op.kind) {
    case 'append': {
      if (op.bump) term.value++;
      const first = Math.max(model.snapshotIndex + 1, model.lastIndex + 1 - op.back);
      const entries: LogEntry[] = [];
      for (let index = first; index < first + op.count; index++) {
        const data = new Uint8Array(op.size).fill(index % 251);
        entries.push(
          index % 7 === 0
            ? { kind: 'config', index, term: term.value, config: CONFIG }
            : { kind: 'command', index, term: term.value, data },
        );
      }
      return { kind: 'append', entries };
    }
    case 'hardState':
      if (op.bump) term.value++;
      return { kind: 'hardState', hardState: { term: term.value, votedFor: op.vote } };
    case 'snapshot': {
      const span = model.lastIndex - model.snapshotIndex;
      if (span === 0) return undefined;
      const index = model.snapshotIndex + 1 + Math.floor(op.fraction * (span - 1));
      const entry = model.entries[index - model.snapshotIndex - 1]!;
      return {
        kind: 'snapshot',
        snapshot: { index, term: entry.term, config: CONFIG, data: new Uint8Array([index % 256]) },
      };
    }
    case 'install':
      if (op.bump) term.value++;
      return {
        kind: 'install',
        snapshot: {
          index: Math.max(1, model.lastIndex + op.ahead),
          term: term.value,
          config: CONFIG,
          data: new Uint8Array([7]),
        },
      };
    default:
      return undefined;
  }
}

async function runOps(ops: readonly Op[]): Promise<void> {
  let fs = new MemoryFileSystem({ trackDurability: true });
  let storage = await FileRaftStorage.open(fs, DIR, { segmentBytes: SEGMENT_BYTES });
  await storage.load();
  let synced = new StoredLog();
  let current = new StoredLog();
  let pending: StorageCall[] = [];
  const term = { value: 1 };
  const reopen = async (next: MemoryFileSystem) => {
    fs = next;
    storage = await FileRaftStorage.open(fs, DIR, { segmentBytes: SEGMENT_BYTES });
    return storage.load();
  };
  for (const op of ops) {
    switch (op.kind) {
      case 'sync':
        await storage.sync();
        synced = current.clone();
        pending = [];
        break;
      case 'reopen':
      case 'processCrash': {
        if (op.kind === 'reopen') await storage.close();
        const loaded = await reopen(op.kind === 'reopen' ? fs : fs.simulateProcessCrash());
        assert.deepEqual(comparable(loaded), comparable(current), `${op.kind} loads every write`);
        break;
      }
      case 'powerLoss': {
        const random = op.tornSeed === undefined ? undefined : new SeededRandom(op.tornSeed);
        const loaded = await reopen(await losePower(fs, DIR, random));
        const got = JSON.stringify(comparable(loaded));
        assert.ok(
          allowedStates(synced, pending).some((state) => JSON.stringify(comparable(state)) === got),
          `power loss loaded ${got}`,
        );
        current = new StoredLog();
        current.hardState = loaded.hardState;
        current.snapshot = loaded.snapshot;
        current.entries = [...loaded.entries];
        synced = current.clone();
        pending = [];
        break;
      }
      default: {
        const call = toCall(op, current, term);
        if (call === undefined) break;
        switch (call.kind) {
          case 'append':
            await storage.appendEntries(call.entries);
            break;
          case 'hardState':
            await storage.saveHardState(call.hardState);
            break;
          case 'snapshot':
            await storage.saveSnapshot(call.snapshot);
            break;
          case 'install':
            await storage.installSnapshot(call.snapshot);
            break;
        }
        applyCall(current, call);
        pending.push(call);
      }
    }
  }
  await storage.close();
}

describe('FileRaftStorage against a model', () => {
  it('loads the model state after reopens and process crashes, an allowed one after power loss', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArbitrary, { minLength: 1, maxLength: 40 }), (ops) => runOps(ops)),
      { numRuns: 150 },
    );
  });
});
