import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';

/**
 * Diagnostics channels of the write path, for profilers and benchmarks (bench/broker/trace-hook.mjs);
 * nothing subscribes in production, and nothing is measured then. Times are performance.now() ms.
 * - GROUP_COMMIT_CHANNEL: one GroupCommitTrace per group commit, once it is written.
 * - LOG_SYNC_CHANNEL: one LogSyncTrace per fsync of the sync loop, once it returned, and a
 *   zero-length one when a group written through an O_DSYNC `.log` makes its offsets durable (its
 *   write was its fsync: the group commit's trace holds that time).
 */
export const GROUP_COMMIT_CHANNEL = 'pyralog:group-commit';
export const LOG_SYNC_CHANNEL = 'pyralog:log-sync';

const groupCommits = channel(GROUP_COMMIT_CHANNEL);
const logSyncs = channel(LOG_SYNC_CHANNEL);

export interface GroupCommitTrace {
  readonly dir: string;
  /** The first append of the group was queued. */
  readonly queuedMs: number;
  /** The group's turn in the partition's queue came. */
  readonly startedMs: number;
  /** Its bytes are in the file (writev returned). */
  readonly writtenMs: number;
  readonly batches: number;
  readonly bytes: number;
}

export interface LogSyncTrace {
  readonly dir: string;
  readonly startedMs: number;
  readonly endedMs: number;
}

/** performance.now() when the write path is traced, else -1 (and nothing is published). */
export function traceClock(): number {
  return groupCommits.hasSubscribers || logSyncs.hasSubscribers ? performance.now() : -1;
}

export function publishGroupCommit(trace: GroupCommitTrace): void {
  groupCommits.publish(trace);
}

export function publishLogSync(trace: LogSyncTrace): void {
  logSyncs.publish(trace);
}
