import { type FileSystem, readWholeFile, writeFileAtomically } from './file-system.js';
import { CorruptStorageFileError } from './storage-errors.js';

/** The only version of Kafka's text checkpoint files this code writes and reads. */
export const CHECKPOINT_VERSION = 0;

/**
 * Kafka's text checkpoint format (`CheckpointFile`): a version line, a count line, then one entry
 * per line with space-separated fields. Written atomically (temp file, fsync, rename, directory
 * fsync), so a reader sees the old or the new content, never a mix.
 */
export async function writeCheckpoint(fs: FileSystem, path: string, lines: readonly string[]): Promise<void> {
  const text = `${CHECKPOINT_VERSION}\n${lines.length}\n${lines.map((line) => `${line}\n`).join('')}`;
  await writeFileAtomically(fs, path, Buffer.from(text, 'utf8'));
}

/**
 * The entry lines of a checkpoint file, split into fields; undefined when the file does not exist.
 * Throws CorruptStorageFileError for an unknown version, a wrong count or a line with a different
 * number of fields than `fieldCount`.
 */
export async function readCheckpoint(
  fs: FileSystem,
  path: string,
  fieldCount: number,
): Promise<string[][] | undefined> {
  const bytes = await readWholeFile(fs, path);
  if (bytes === undefined) return undefined;
  const lines = bytes.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const [version, count, ...entries] = lines;
  if (version?.trim() !== String(CHECKPOINT_VERSION)) {
    throw new CorruptStorageFileError(`${path}: unknown checkpoint version ${JSON.stringify(version)}`);
  }
  if (count === undefined || Number(count) !== entries.length) {
    throw new CorruptStorageFileError(`${path}: count ${count} but ${entries.length} entries`);
  }
  return entries.map((line, index) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== fieldCount) {
      throw new CorruptStorageFileError(`${path}: entry ${index + 1} has ${fields.length} fields`);
    }
    return fields;
  });
}

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

/** Dir-level offset checkpoints (`recovery-point-offset-checkpoint` and friends): `topic partition offset`. */
export async function writeOffsetCheckpoint(
  fs: FileSystem,
  path: string,
  entries: readonly TopicPartitionOffset[],
): Promise<void> {
  await writeCheckpoint(
    fs,
    path,
    entries.map((entry) => `${entry.topic} ${entry.partition} ${entry.offset}`),
  );
}

/** Reads an offset checkpoint into `topic-partition → offset`; empty when the file is missing. */
export async function readOffsetCheckpoint(fs: FileSystem, path: string): Promise<Map<string, bigint>> {
  const entries = (await readCheckpoint(fs, path, 3)) ?? [];
  const offsets = new Map<string, bigint>();
  for (const [topic, partition, offset] of entries) {
    if (!/^\d+$/.test(partition!) || !/^-?\d+$/.test(offset!)) {
      throw new CorruptStorageFileError(`${path}: bad entry ${topic} ${partition} ${offset}`);
    }
    offsets.set(`${topic}-${partition}`, BigInt(offset!));
  }
  return offsets;
}

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';
