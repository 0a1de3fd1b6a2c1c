// Registers snappy, lz4 and zstd with KafkaJS the way its users do (kafkajs-snappy, kafkajs-lz4, and a
// small codec over zstd-napi), so tests and capture tools can use KafkaJS as an independent client.
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import zstd from 'zstd-napi';

interface KafkaJsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const require = createRequire(import.meta.url);
// Both packages are CommonJS without ESM type information; require keeps their runtime shape exact.
const snappyCodec = require('kafkajs-snappy') as () => KafkaJsCodec;
type LZ4CodecClass = new () => { codec: () => KafkaJsCodec };
// Plain Node hands back `{ default: class }` (the package sets __esModule); tsx unwraps it to the class.
const lz4Module = require('kafkajs-lz4') as LZ4CodecClass | { default: LZ4CodecClass };
const LZ4Codec = typeof lz4Module === 'function' ? lz4Module : lz4Module.default;

const zstdCodec = (): KafkaJsCodec => ({
  compress: async (encoder) => zstd.compress(encoder.buffer),
  decompress: async (buffer) => zstd.decompress(buffer),
});

/** Idempotent: makes every Kafka compression codec available to KafkaJS in this process. */
export function registerKafkaJsCodecs(): void {
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  CompressionCodecs[CompressionTypes.Snappy] = snappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec;
  CompressionCodecs[CompressionTypes.ZSTD] = zstdCodec;
}
