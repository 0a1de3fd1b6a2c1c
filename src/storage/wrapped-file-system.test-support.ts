// Test-only: a FileSystem that passes everything to an inner one, for fakes that change what a few
// file operations do (hold an fsync, gate a write) and nothing else.
import type { FileLock, FileStat, FileSystem, OpenOptions, StorageFile, VolumeSpace } from './file-system.js';

/** `file`'s operations as a new StorageFile object, to spread and override some of them. */
export function passThroughFile(file: StorageFile): StorageFile {
  return {
    path: file.path,
    read: (buffer, offset, length, position) => file.read(buffer, offset, length, position),
    writev: (buffers, position) => file.writev(buffers, position),
    sync: () => file.sync(),
    truncate: (length) => file.truncate(length),
    size: () => file.size(),
    close: () => file.close(),
  };
}

/** Passes every operation to `inner`; `open` hands each file to `wrapFile` (by default unchanged). */
export class WrappedFileSystem<Inner extends FileSystem = FileSystem> implements FileSystem {
  constructor(
    readonly inner: Inner,
    readonly benefitsFromZeroAhead: boolean = inner.benefitsFromZeroAhead ?? false,
  ) {}

  async open(path: string, options?: OpenOptions): Promise<StorageFile> {
    return this.wrapFile(path, await this.inner.open(path, options));
  }

  protected wrapFile(_path: string, file: StorageFile): StorageFile {
    return file;
  }

  rename = (from: string, to: string): Promise<void> => this.inner.rename(from, to);
  unlink = (path: string): Promise<void> => this.inner.unlink(path);
  readdir = (path: string): Promise<string[]> => this.inner.readdir(path);
  mkdir = (path: string): Promise<void> => this.inner.mkdir(path);
  rmdir = (path: string): Promise<void> => this.inner.rmdir(path);
  stat = (path: string): Promise<FileStat | undefined> => this.inner.stat(path);
  fsyncDir = (path: string): Promise<void> => this.inner.fsyncDir(path);
  lock = (path: string): Promise<FileLock> => this.inner.lock(path);
  statfs = (path: string): Promise<VolumeSpace> => this.inner.statfs(path);
}
