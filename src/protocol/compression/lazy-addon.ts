import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A native codec package loaded on first use. Most brokers never see lz4, snappy or zstd data, and
 * each addon costs start-up time and a few MB of resident memory (`pyralog start` must be ready in
 * 300 ms within 80 MB). The packages are CommonJS, so `require` loads them synchronously.
 */
export function lazyAddon<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(name) as T;
    return loaded;
  };
}
