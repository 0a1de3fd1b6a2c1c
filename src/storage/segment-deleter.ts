import type { FileSystem } from './file-system.js';
import { DELETED_SUFFIX, type LogSegment } from './segment.js';

interface PendingDeletion {
  readonly segment: LogSegment;
  readonly dueMs: number;
  /** Compaction renamed a new `.log` over this one: only its index files carry `.deleted`. */
  readonly isLogReplaced: boolean;
}

/**
 * Kafka's asynchronous segment deletion: files are renamed to `.deleted` at once (a reopen removes
 * them, so a crash cannot resurrect the segment), and closed and unlinked once
 * `file.delete.delay.ms` has passed, so reads that started before keep working. The owner calls
 * `deleteDue` from its queue.
 */
export class SegmentDeleter {
  private pending: PendingDeletion[] = [];

  constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
  ) {}

  async schedule(segments: readonly LogSegment[], nowMs: number, delayMs: number): Promise<void> {
    if (segments.length === 0) return;
    for (const segment of segments) {
      for (const path of segment.paths()) {
        if ((await this.fs.stat(path)) !== undefined) await this.fs.rename(path, path + DELETED_SUFFIX);
      }
      this.pending.push({ segment, dueMs: nowMs + delayMs, isLogReplaced: false });
    }
    await this.fs.fsyncDir(this.dir);
    await this.deleteDue(nowMs);
  }

  /** A compacted segment whose `.log` was replaced and whose index files the caller renamed. */
  scheduleReplaced(segment: LogSegment, nowMs: number, delayMs: number): void {
    this.pending.push({ segment, dueMs: nowMs + delayMs, isLogReplaced: true });
  }

  /** Closes and unlinks what is due (everything with `nowMs` = MAX_SAFE_INTEGER, at close). */
  async deleteDue(nowMs: number): Promise<void> {
    const due = this.pending.filter((deletion) => deletion.dueMs <= nowMs);
    if (due.length === 0) return;
    this.pending = this.pending.filter((deletion) => deletion.dueMs > nowMs);
    for (const { segment, isLogReplaced } of due) {
      await segment.close();
      const paths = isLogReplaced ? segment.paths().slice(1) : segment.paths();
      for (const path of paths) await this.fs.unlink(path + DELETED_SUFFIX);
    }
  }
}
