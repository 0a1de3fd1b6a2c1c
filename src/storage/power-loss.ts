// Test support: replays a NodeFileSystem fsync journal to return every file to what was durable,
// simulating power loss after a SIGKILL (which alone loses nothing: the page cache survives it).
//
// The journal (NodeFileSystemOptions.fsyncJournalPath) holds, in order:
//   write\t<seq>\t<position>\t<length>\t<path>   before a write is issued
//   truncate\t<seq>\t<length>\t<path>            before a truncation is issued
//   sync\t<coveredBelow>\t<path>                 after an fsync of <path> returned: it covers that
//                                                file's operations with seq < coveredBelow (all of
//                                                them had completed when it started)
//   synced\t<seq>\t<path>                        after an O_DSYNC write returned: that one write is
//                                                durable, whatever else of the file still runs
//   rename\t<from>\t<to>, unlink\t<path>
//
// The model, per file: its durable size is what the covered writes and truncations make it (or its
// size before the child started, for a file the journal never mentions); everything past it is cut.
// Bytes inside it that a write not covered by any fsync touched were overwritten in place (the
// zero-ahead region of an active segment, see zero-ahead.ts): after power loss they hold what was
// durable there, which is zeros, or the new bytes, independently per 512-byte sector (a torn
// write; which sectors survive is drawn from `seed`). Reverting to zeros is exact for the
// zero-ahead region, the only place the storage engine overwrites a durable byte range with data;
// elsewhere (an index rewritten in place after a truncation) the durable bytes were different and
// zeros are a pessimistic stand-in that recovery must also survive. A truncation not covered by an
// fsync is taken as done (its cut bytes are not resurrected): this model cannot restore bytes the
// final file no longer holds.
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

const SECTOR_BYTES = 512;

/** Sizes of every file under `root` (recursively), by path: what was durable before a child started. */
export async function fileSizes(root: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) sizes.set(path, (await stat(path)).size);
    }
  };
  await walk(root);
  return sizes;
}

type PendingOp =
  | { readonly kind: 'write'; readonly sequence: number; readonly position: number; readonly length: number }
  | { readonly kind: 'truncate'; readonly sequence: number; readonly length: number };

interface DurableFile {
  durableSize: number;
  /** Writes and truncations no fsync covered yet, in journal order. */
  pending: PendingOp[];
}

export interface PowerLossOptions {
  /** Draws which sectors of uncovered overwrites survive (default 1). */
  readonly seed?: number;
}

/** What replaying the journal changed. */
export interface PowerLossResult {
  /** Bytes cut from file ends. */
  readonly cutBytes: number;
  /** Bytes inside files reverted to zeros (lost sectors of overwrites no fsync covered). */
  readonly revertedBytes: number;
}

/** Per-file durable state after replaying the journal lines. */
function replayJournal(text: string, baseline: ReadonlyMap<string, number>): Map<string, DurableFile> {
  const files = new Map<string, DurableFile>();
  const fileAt = (path: string): DurableFile => {
    let file = files.get(path);
    if (file === undefined) {
      file = { durableSize: baseline.get(path) ?? 0, pending: [] };
      files.set(path, file);
    }
    return file;
  };
  for (const line of text.split('\n')) {
    const fields = line.split('\t');
    const op = fields[0];
    if (op === 'write' && fields.length === 5) {
      fileAt(fields[4]!).pending.push({
        kind: 'write',
        sequence: Number(fields[1]),
        position: Number(fields[2]),
        length: Number(fields[3]),
      });
    } else if (op === 'truncate' && fields.length === 4) {
      fileAt(fields[3]!).pending.push({
        kind: 'truncate',
        sequence: Number(fields[1]),
        length: Number(fields[2]),
      });
    } else if (op === 'sync' && fields.length === 3) {
      const file = fileAt(fields[2]!);
      const coveredBelow = Number(fields[1]);
      for (const pending of file.pending) {
        if (pending.sequence >= coveredBelow) continue;
        file.durableSize =
          pending.kind === 'truncate'
            ? pending.length
            : Math.max(file.durableSize, pending.position + pending.length);
      }
      file.pending = file.pending.filter((pending) => pending.sequence >= coveredBelow);
    } else if (op === 'synced' && fields.length === 3) {
      const file = fileAt(fields[2]!);
      const sequence = Number(fields[1]);
      const index = file.pending.findIndex((pending) => pending.sequence === sequence);
      const write = file.pending[index];
      if (write?.kind === 'write') {
        file.durableSize = Math.max(file.durableSize, write.position + write.length);
        file.pending.splice(index, 1);
      }
    } else if (op === 'rename' && fields.length === 3) {
      const moved = files.get(fields[1]!) ?? { durableSize: baseline.get(fields[1]!) ?? 0, pending: [] };
      files.delete(fields[1]!);
      files.set(fields[2]!, moved);
    } else if (op === 'unlink' && fields.length === 2) {
      files.delete(fields[1]!);
    }
  }
  return files;
}

/**
 * Returns every file under `root` to what was durable according to the journal (see the model
 * above); `baseline` holds the sizes before the child started (files created and never fsynced go
 * to 0). Returns the bytes cut plus the bytes reverted to zeros.
 */
export async function cutToFsyncJournal(
  root: string,
  journalPath: string,
  baseline: ReadonlyMap<string, number>,
  options: PowerLossOptions = {},
): Promise<number> {
  const result = await simulatePowerLoss(root, journalPath, baseline, options);
  return result.cutBytes + result.revertedBytes;
}

/** cutToFsyncJournal with the cut and reverted bytes apart. */
export async function simulatePowerLoss(
  root: string,
  journalPath: string,
  baseline: ReadonlyMap<string, number>,
  options: PowerLossOptions = {},
): Promise<PowerLossResult> {
  const text = await readFile(journalPath, 'utf8').catch(() => '');
  const files = replayJournal(text, baseline);
  let seed = options.seed ?? 1;
  const survives = (): boolean => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed >> 16) % 2 === 0;
  };
  let cutBytes = 0;
  let revertedBytes = 0;
  for (const [path, size] of await fileSizes(root)) {
    const durable = files.get(path) ?? { durableSize: baseline.get(path) ?? 0, pending: [] };
    const keep = Math.min(size, durable.durableSize);
    const handle = await open(path, 'r+');
    try {
      if (keep < size) {
        await handle.truncate(keep);
        cutBytes += size - keep;
      }
      for (const pending of durable.pending) {
        if (pending.kind !== 'write') continue;
        const end = Math.min(keep, pending.position + pending.length);
        for (let at = pending.position; at < end; ) {
          const sectorEnd = Math.min(end, (Math.floor(at / SECTOR_BYTES) + 1) * SECTOR_BYTES);
          if (!survives()) {
            await handle.write(Buffer.alloc(sectorEnd - at), 0, sectorEnd - at, at);
            revertedBytes += sectorEnd - at;
          }
          at = sectorEnd;
        }
      }
    } finally {
      await handle.close();
    }
  }
  return { cutBytes, revertedBytes };
}
