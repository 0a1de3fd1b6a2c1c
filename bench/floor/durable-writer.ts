// How the floor responder (bench/floor) makes a produce durable before answering it, one way per
// mode, each the least a Node.js process can do for that way:
//   none   no file: answered at once
//   pool   fs.writev then fs.fdatasync, both with callbacks (two trips through libuv's thread pool,
//          as the broker's default group commit), group commit
//   dsync  one fs.writev with a callback on a file opened O_DSYNC (one trip), group commit
//   sync   fs.writevSync + fs.fdatasyncSync on the main thread, once per event-loop turn for what
//          that turn read (no other thread wakes)
// The file is a ring written with zeros and fsynced at open, so no write extends it and fdatasync
// never has a file size to commit (the broker's zero-ahead does the same for its active segment).
import { closeSync, constants, fdatasync, fdatasyncSync, openSync, writev, writevSync } from 'node:fs';
import { join } from 'node:path';
import { type FlushGroup, GroupCommit, type ScheduleStart } from './group-commit.js';

export const DURABILITY_MODES = ['none', 'pool', 'dsync', 'sync'] as const;
export type DurabilityMode = (typeof DURABILITY_MODES)[number];

export const isDurabilityMode = (value: string): value is DurabilityMode =>
  (DURABILITY_MODES as readonly string[]).includes(value);

/** Default ring size: a run at 10,000 msg/s of 1 KiB wraps it every 6 s. */
export const DEFAULT_RING_BYTES = 64 * 1024 * 1024;

export interface DurableWriter {
  /** Makes `records` durable per the mode, then calls `done` (with the error, if any); in submission order. */
  write(records: Buffer, done: (error?: Error) => void): void;
  /** Groups flushed so far. */
  readonly groups: number;
  close(): void;
}

/** A writer for `mode`; the ring file `floor.log` in `dir` (not used by `none`), written with zeros first. */
export function openDurableWriter(
  mode: DurabilityMode,
  dir: string,
  ringBytes = DEFAULT_RING_BYTES,
): DurableWriter {
  if (mode === 'none') {
    let groups = 0;
    return {
      write(_records, done) {
        groups += 1;
        done();
      },
      get groups() {
        return groups;
      },
      close() {},
    };
  }
  const path = join(dir, 'floor.log');
  const fd = openSync(path, 'w+');
  const zeros = Buffer.alloc(Math.min(ringBytes, 1024 * 1024));
  for (let position = 0; position < ringBytes; position += zeros.length) {
    writevSync(fd, [zeros.subarray(0, Math.min(zeros.length, ringBytes - position))], position);
  }
  fdatasyncSync(fd);
  closeSync(fd);
  const flags = constants.O_WRONLY | (mode === 'dsync' ? constants.O_DSYNC : 0);
  const file = openSync(path, flags);
  let position = 0;
  /** Where a group of `bytes` goes: at the ring's start when it would pass the end. */
  const placeGroup = (bytes: number): number => {
    if (position + bytes > ringBytes) position = 0;
    const at = position;
    position += bytes;
    return at;
  };
  const length = (chunks: Buffer[]): number => chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const flush: FlushGroup =
    mode === 'pool'
      ? (chunks, finished) =>
          writev(file, chunks, placeGroup(length(chunks)), (error) => {
            if (error !== null) finished(error);
            else fdatasync(file, (syncError) => finished(syncError ?? undefined));
          })
      : mode === 'dsync'
        ? (chunks, finished) =>
            writev(file, chunks, placeGroup(length(chunks)), (error) => finished(error ?? undefined))
        : (chunks, finished) => {
            let failure: Error | undefined;
            try {
              writevSync(file, chunks, placeGroup(length(chunks)));
              fdatasyncSync(file);
            } catch (error: unknown) {
              failure = error instanceof Error ? error : new Error(String(error));
            }
            finished(failure);
          };
  // sync: everything the turn's reads brought; the others start once the current read's frames are in.
  const schedule: ScheduleStart = mode === 'sync' ? (start) => setImmediate(start) : queueMicrotask;
  const commit = new GroupCommit(flush, schedule);
  return {
    write: (records, done) => commit.add(records, done),
    get groups() {
      return commit.groups;
    },
    close: () => closeSync(file),
  };
}
