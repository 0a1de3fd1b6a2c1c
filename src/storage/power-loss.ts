// Test support: replays a NodeFileSystem fsync journal to cut every file back to what was durable,
// simulating power loss after a SIGKILL (which alone loses nothing: the page cache survives it).
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

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

/**
 * Truncates every file under `root` to its size at its last fsync according to the journal (or to
 * its `baseline` size when the journal never synced it; 0 for files created and never fsynced).
 * Returns the number of bytes cut.
 */
export async function cutToFsyncJournal(
  root: string,
  journalPath: string,
  baseline: ReadonlyMap<string, number>,
): Promise<number> {
  const durable = new Map(baseline);
  const text = await readFile(journalPath, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [op, first, second] = line.split('\t');
    if (op === 'sync' && first !== undefined && second !== undefined) durable.set(second, Number(first));
    else if (op === 'rename' && first !== undefined && second !== undefined) {
      const size = durable.get(first);
      durable.delete(first);
      if (size !== undefined) durable.set(second, size);
    } else if (op === 'unlink' && first !== undefined) durable.delete(first);
  }
  let cut = 0;
  for (const [path, size] of await fileSizes(root)) {
    const keep = Math.min(size, durable.get(path) ?? 0);
    if (keep < size) {
      const handle = await open(path, 'r+');
      await handle.truncate(keep);
      await handle.close();
      cut += size - keep;
    }
  }
  return cut;
}
