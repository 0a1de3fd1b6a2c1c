// Proves FileRaftStorage's crash safety with real processes on the real disk: a child appending and
// snapshotting in a loop is SIGKILLed after a random number of syncs; every other round its files are
// then cut back to their last fsynced sizes (simulated power loss, from the NodeFileSystem fsync
// journal). After each round the reopened store must hold every vote and entry the child reported
// durable, with its exact bytes, and its latest reported snapshot. RAFT_STORAGE_CRASH_ROUNDS sets the rounds.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { NodeFileSystem } from '../../storage/index.js';
import { cutToFsyncJournal, fileSizes } from '../../storage/power-loss.js';
import { FileRaftStorage } from './file-raft-storage.js';

const ROUNDS = Number(process.env['RAFT_STORAGE_CRASH_ROUNDS'] ?? 4);
const CHILD = new URL('./raft-storage-crash-child.ts', import.meta.url).pathname;

/** What the child reported durable before it was killed. */
interface Reported {
  term: number;
  /** index → term of each entry reported durable. */
  readonly entries: Map<number, number>;
  snapshotIndex: number;
}

function entryData(index: number, term: number): string {
  return `${index}/${term}/${'x'.repeat(index % 300)}`;
}

function runChildUntil(
  dir: string,
  journal: string,
  wanted: number,
  reported: Reported,
  children: Set<ChildProcess>,
) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, journal], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(child);
    let durable = 0;
    let previousLast = -1;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [kind, first, second] = line.split(' ');
      if (kind === 'vote') reported.term = Number(first);
      else if (kind === 'snapshot') reported.snapshotIndex = Number(first);
      else if (kind === 'durable') {
        const last = Number(first);
        if (previousLast < 0) previousLast = Math.max(0, ...reported.entries.keys(), reported.snapshotIndex);
        for (let index = previousLast + 1; index <= last; index++)
          reported.entries.set(index, Number(second));
        previousLast = last;
        if (++durable === wanted) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`crash child exited with ${code ?? signal}`));
    });
  });
}

describe('FileRaftStorage crash safety with real processes', () => {
  const children = new Set<ChildProcess>();
  after(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  it(`keeps every durable vote, entry and snapshot across ${ROUNDS} SIGKILLs, half with power loss`, async () => {
    const root = await mkdtemp(join(tmpdir(), 'pyralog-raft-crash-'));
    const dir = join(root, 'raft');
    let seed = Number(process.env['RAFT_STORAGE_CRASH_SEED'] ?? 11);
    const nextInt = (bound: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % bound;
    };
    const reported: Reported = { term: 0, entries: new Map(), snapshotIndex: 0 };
    try {
      await (await FileRaftStorage.open(new NodeFileSystem(), dir)).close();
      for (let round = 0; round < ROUNDS; round++) {
        const baseline = await fileSizes(root);
        const journal = join(root, `journal-${round}`);
        await runChildUntil(dir, journal, 5 + nextInt(60), reported, children);
        if (round % 2 === 1) await cutToFsyncJournal(dir, journal, baseline);
        const storage = await FileRaftStorage.open(new NodeFileSystem(), dir);
        try {
          const loaded = await storage.load();
          assert.ok(loaded.hardState.term >= reported.term, `round ${round}: term ${loaded.hardState.term}`);
          assert.equal(loaded.hardState.votedFor, 1);
          const snapshotIndex = loaded.snapshot?.index ?? 0;
          assert.ok(snapshotIndex >= reported.snapshotIndex, `round ${round}: snapshot ${snapshotIndex}`);
          const byIndex = new Map(loaded.entries.map((entry) => [entry.index, entry]));
          assert.deepEqual(
            loaded.entries.map((entry) => entry.index),
            loaded.entries.map((_, i) => snapshotIndex + 1 + i),
            'contiguous after the snapshot',
          );
          for (const [index, term] of reported.entries) {
            if (index <= snapshotIndex) continue;
            const entry = byIndex.get(index);
            assert.ok(entry?.kind === 'command', `round ${round}: entry ${index} is there`);
            assert.equal(entry.term, term);
            assert.equal(Buffer.from(entry.data).toString(), entryData(index, term));
          }
          // Entries beyond what was reported (synced but killed before printing) are valid too.
          for (const entry of loaded.entries) {
            assert.ok(entry.kind === 'command');
            assert.equal(Buffer.from(entry.data).toString(), entryData(entry.index, entry.term));
            reported.entries.set(entry.index, entry.term);
          }
          for (const index of [...reported.entries.keys()]) {
            if (index > snapshotIndex + loaded.entries.length) reported.entries.delete(index);
          }
        } finally {
          await storage.close();
        }
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
