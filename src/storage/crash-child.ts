// Child process of crash-process.test.ts: appends batches to a real log dir in a loop, with an fsync
// journal, and prints `durable <index> <firstOffset>` once each batch's durable promise resolved.
// Rounds alternate in pairs between write + fsync (the default) and O_DSYNC active segments
// (dsyncSegments), so each mode is killed with and without a power loss after it.
// Usage: node --import tsx src/storage/crash-child.ts <logDir> <journalPath> <round>
import { LogManager } from './log-manager.js';
import { NodeFileSystem } from './node-file-system.js';
import { crashBatch } from './test-support.js';

const [logDir, journalPath, round] = process.argv.slice(2);
if (logDir === undefined || journalPath === undefined || round === undefined) {
  throw new Error('usage: crash-child.ts <logDir> <journalPath> <round>');
}
const manager = await LogManager.open({
  fs: new NodeFileSystem({ fsyncJournalPath: journalPath }),
  logDirs: [logDir],
  schedule: false,
  brokerConfig: { dsyncSegments: Number(round) % 4 >= 2 },
});
const log = await manager.getOrCreateLog('crash', 0, {
  'segment.bytes': '30000',
  'index.interval.bytes': '1000',
});
process.stdout.write(`open ${log.logEndOffset}\n`);
// Every 16th append waits for its fsync: that bounds the appends in flight without a polling loop.
for (let index = 0; ; index += 1) {
  const result = log.appendAsLeader(crashBatch(Number(round), index), { sync: index % 3 !== 0 });
  result.durable.then(
    () => process.stdout.write(`durable ${index} ${result.firstOffset}\n`),
    () => process.exit(2),
  );
  if (index % 16 === 15) await result.durable;
}
