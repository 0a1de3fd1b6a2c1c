/**
 * Default bound of one decompression's output. Producers cap a batch's uncompressed size with
 * `batch.size` (16 KiB by default) and brokers its compressed size with `message.max.bytes` (1 MiB);
 * 64 MiB leaves room for very compressible data while keeping a bomb from exhausting memory.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/**
 * Below this many bytes of work (input to compress, or announced output to decompress) the async
 * functions run on the calling thread: a thread-pool round trip costs more than the codec itself,
 * and at codec speeds (>= 100 MB/s) 16 KiB blocks the event loop for well under a millisecond.
 */
export const INLINE_BELOW_BYTES = 16 * 1024;
