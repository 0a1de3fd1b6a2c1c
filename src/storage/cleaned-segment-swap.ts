import { recoverSegment } from './log-recovery.js';
import type { PartitionLogState } from './partition-log-state.js';
import { DELETED_SUFFIX, LogSegment } from './segment.js';
import type { SegmentRoller } from './segment-roller.js';
import type { AbortedTxn } from './txn-index.js';

/**
 * Replaces `old` by the cleaned `.swap` file, whose `.txnindex` gets `abortedTxns`: renamed over the `.log` (atomic: a crash leaves the
 * old or the new content), indexes rebuilt and checked by a full validation of the new file. The
 * old segment's handles stay open for in-flight reads until file.delete.delay.ms has passed.
 * False when `old` is no longer an inactive segment of the log.
 */
export function swapInCleanedSegment(
  state: PartitionLogState,
  roller: SegmentRoller,
  old: LogSegment,
  swapPath: string,
  abortedTxns: readonly AbortedTxn[],
): Promise<boolean> {
  return state.queue.run(async () => {
    state.checkNotFailed();
    await roller.awaitRolledSegments();
    const index = state.segments.indexOf(old);
    if (index < 0 || index === state.segments.length - 1) return false;
    return state.rewrite(async () => {
      const nowMs = state.clock.nowMs();
      const [logPath, ...indexPaths] = old.paths();
      for (const path of indexPaths) await state.fs.rename(path, path + DELETED_SUFFIX);
      await state.fs.rename(swapPath, logPath!);
      await state.fs.fsyncDir(state.dir);
      const fresh = await LogSegment.openForRebuild(state.fs, state.dir, old.baseOffset, state.config, nowMs);
      await recoverSegment(fresh, state.logger, () => {});
      // The cleaner decided which aborts still have data to filter (Kafka's cleaned transaction index).
      for (const txn of abortedTxns) await fresh.txnIndex.append(txn);
      await fresh.syncAll();
      state.segments = [...state.segments.slice(0, index), fresh, ...state.segments.slice(index + 1)];
      state.deleter.scheduleReplaced(old, nowMs, state.config.fileDeleteDelayMs);
      await state.deleter.deleteDue(nowMs);
      return true;
    });
  });
}
