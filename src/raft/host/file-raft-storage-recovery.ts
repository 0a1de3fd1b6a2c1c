import { type FileSystem, joinPath, readWholeFile } from '../../storage/index.js';
import type { HardState, LogEntry, PersistedState, Snapshot } from '../core/log-entry.js';
import {
  parseSegmentFileName,
  RaftLogSegment,
  type SegmentFileOptions,
  segmentFileName,
} from './raft-log-segment.js';
import { decodeHardState, decodeSnapshot } from './raft-record-codec.js';
import { CorruptRaftStorageError } from './raft-storage.js';

export const HARD_STATE_FILE = 'hard-state';
export const LOCK_FILE = '.lock';
const SNAPSHOT_FILE = /^(\d{10})-(\d{20})\.snapshot$/;
export const TEMP_SUFFIX = '.tmp';

export function snapshotFileName(generation: number, index: number): string {
  return `${String(generation).padStart(10, '0')}-${String(index).padStart(20, '0')}.snapshot`;
}

/** What opening the store found and repaired (for the driver's log line). */
export interface RaftStorageRecovery {
  /** Why the log ended before its files did (a torn tail after a crash, a gap), or undefined. */
  readonly logEndedBecause: string | undefined;
  readonly truncatedBytes: number;
  /** Files removed: compacted or stale segments and snapshots, leftovers of interrupted writes. */
  readonly removedFiles: readonly string[];
}

export interface LoadedState {
  readonly persisted: PersistedState;
  readonly generation: number;
  readonly snapshotFile: string | undefined;
  readonly segments: RaftLogSegment[];
  readonly recovery: RaftStorageRecovery;
}

/** Reads the directory back into a consistent state, repairing what a crash left (see FileRaftStorage). */
export async function recoverStore(
  fs: FileSystem,
  dir: string,
  files: SegmentFileOptions = {},
): Promise<LoadedState> {
  const removedFiles: string[] = [];
  const remove = async (name: string) => {
    await fs.unlink(joinPath(dir, name));
    removedFiles.push(name);
  };
  const names = await fs.readdir(dir);
  for (const name of names.filter((name) => name.endsWith(TEMP_SUFFIX))) await remove(name);

  const hardStateBytes = await readWholeFile(fs, joinPath(dir, HARD_STATE_FILE));
  let hardState: HardState = { term: 0, votedFor: undefined };
  if (hardStateBytes !== undefined) {
    const decoded = decodeHardState(hardStateBytes);
    if (typeof decoded === 'string')
      throw new CorruptRaftStorageError(`${dir}/${HARD_STATE_FILE}: ${decoded}`);
    hardState = decoded;
  }

  const snapshotNames = names.filter((name) => SNAPSHOT_FILE.test(name)).sort();
  const snapshotFile = snapshotNames.pop();
  for (const name of snapshotNames) await remove(name);
  let snapshot: Snapshot | undefined;
  let generation = 0;
  if (snapshotFile !== undefined) {
    const bytes = await readWholeFile(fs, joinPath(dir, snapshotFile));
    const decoded = bytes === undefined ? 'vanished' : decodeSnapshot(bytes);
    if (typeof decoded === 'string') throw new CorruptRaftStorageError(`${dir}/${snapshotFile}: ${decoded}`);
    snapshot = decoded.snapshot;
    generation = decoded.generation;
  }
  const log = await recoverSegments(fs, dir, names, generation, snapshot, remove, files);
  return {
    persisted: { hardState, snapshot, entries: log.entries },
    generation,
    snapshotFile,
    segments: log.segments,
    recovery: { logEndedBecause: log.endedBecause, truncatedBytes: log.truncatedBytes, removedFiles },
  };
}

/**
 * The log after the snapshot: the segment holding snapshotIndex + 1 (the last one starting at or
 * before it), then each next one if it starts right after the previous one's last valid entry. The
 * first torn record or gap ends the log: what follows is removed. Older generations are removed.
 */
async function recoverSegments(
  fs: FileSystem,
  dir: string,
  names: readonly string[],
  generation: number,
  snapshot: Snapshot | undefined,
  remove: (name: string) => Promise<void>,
  files: SegmentFileOptions,
): Promise<{
  entries: LogEntry[];
  segments: RaftLogSegment[];
  endedBecause: string | undefined;
  truncatedBytes: number;
}> {
  const bases: number[] = [];
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (parsed === undefined) continue;
    if (parsed.generation > generation)
      throw new CorruptRaftStorageError(`${dir}/${name}: a log generation newer than the latest snapshot's`);
    if (parsed.generation < generation) await remove(name);
    else bases.push(parsed.baseIndex);
  }
  bases.sort((a, b) => a - b);
  const snapshotIndex = snapshot?.index ?? 0;
  const start = bases.findLastIndex((base) => base <= snapshotIndex + 1);
  for (const base of bases.slice(0, Math.max(0, start))) await remove(segmentFileName(generation, base));
  const entries: LogEntry[] = [];
  const segments: RaftLogSegment[] = [];
  let endedBecause: string | undefined;
  let truncatedBytes = 0;
  let expected = snapshotIndex + 1;
  let lastTerm = snapshot?.term ?? 0;
  for (const base of start < 0 ? bases : bases.slice(start)) {
    if (endedBecause !== undefined || (segments.length > 0 ? base !== expected : base > expected)) {
      endedBecause ??= `a gap before entry ${base}`;
      await remove(segmentFileName(generation, base));
      continue;
    }
    const found = await RaftLogSegment.recover(fs, dir, generation, base, files);
    truncatedBytes += found.truncatedBytes;
    let kept = found.entries.filter((entry) => entry.index >= expected);
    const wrongTerm = kept.findIndex((entry, i) => entry.term < (i === 0 ? lastTerm : kept[i - 1]!.term));
    if (wrongTerm >= 0) {
      endedBecause = `a term going backwards at entry ${kept[wrongTerm]!.index}`;
      await found.segment.truncateFrom(kept[wrongTerm]!.index);
      kept = kept.slice(0, wrongTerm);
    }
    if (found.tornBecause !== undefined)
      endedBecause = `${found.tornBecause} in ${segmentFileName(generation, base)}`;
    if (found.segment.lastIndex < snapshotIndex && segments.length === 0) {
      // Ends before the snapshot: nothing to keep, and no base to append the next entry to.
      await found.segment.close();
      await remove(segmentFileName(generation, base));
      continue;
    }
    entries.push(...kept);
    segments.push(found.segment);
    lastTerm = entries.at(-1)?.term ?? lastTerm;
    expected = Math.max(expected, found.segment.lastIndex + 1);
  }
  // A removed later segment must not come back after new entries written in its place; and a name a
  // killed process created or renamed (a segment, the hard state) may not be durable yet.
  await fs.fsyncDir(dir);
  return { entries, segments, endedBecause, truncatedBytes };
}
