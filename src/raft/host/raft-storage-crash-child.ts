// Child process of file-raft-storage-process.test.ts: opens a FileRaftStorage on the real disk with an
// fsync journal, takes a new term, then appends batches forever, snapshotting now and then, and prints
// what is durable: `vote <term>`, `durable <lastIndex> <term>` after each sync, `snapshot <index>`.
// Usage: node --import tsx src/raft/host/raft-storage-crash-child.ts <dir> <journalPath>
import { NodeFileSystem } from '../../storage/index.js';
import type { LogEntry } from '../core/log-entry.js';
import { FileRaftStorage } from './file-raft-storage.js';

const [dir, journalPath] = process.argv.slice(2);
if (dir === undefined || journalPath === undefined)
  throw new Error('usage: raft-storage-crash-child.ts <dir> <journal>');

/** The bytes of entry `index` written in `term`: the parent checks them. */
function crashEntryData(index: number, term: number): Uint8Array {
  return Buffer.from(`${index}/${term}/${'x'.repeat(index % 300)}`);
}

const storage = await FileRaftStorage.open(new NodeFileSystem({ fsyncJournalPath: journalPath }), dir, {
  segmentBytes: 20_000,
});
const loaded = await storage.load();
const term = loaded.hardState.term + 1;
await storage.saveHardState({ term, votedFor: 1 });
process.stdout.write(`vote ${term}\n`);
let lastIndex = (loaded.snapshot?.index ?? 0) + loaded.entries.length;
let snapshotIndex = loaded.snapshot?.index ?? 0;
/** Snapshots cover only this run's entries, so the snapshot's term is this run's term. */
const firstOwnIndex = lastIndex + 1;
for (let batch = 0; ; batch++) {
  const entries: LogEntry[] = [];
  const count = 1 + ((batch * 7) % 23);
  for (let i = 0; i < count; i++) {
    const index = lastIndex + 1 + i;
    entries.push({ kind: 'command', index, term, data: crashEntryData(index, term) });
  }
  await storage.appendEntries(entries);
  lastIndex += count;
  if (batch % 5 === 4 && lastIndex - 10 > snapshotIndex && lastIndex - 10 >= firstOwnIndex) {
    snapshotIndex = lastIndex - 10;
    await storage.saveSnapshot({
      index: snapshotIndex,
      term,
      config: { voters: [1], learners: [] },
      data: Buffer.from(`snapshot ${snapshotIndex}`),
    });
    process.stdout.write(`snapshot ${snapshotIndex}\n`);
  }
  await storage.sync();
  process.stdout.write(`durable ${lastIndex} ${term}\n`);
}
