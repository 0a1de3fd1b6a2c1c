import { gzipSync } from 'node:zlib';
import { crc32 } from '@node-rs/crc32';
import fc from 'fast-check';
import { apis } from '../../src/protocol/generated/api-registry.js';
import { messageArbitraries } from '../../src/protocol/generated/arbitraries/index.js';
import {
  ByteReader,
  ByteWriter,
  CompressionCodec,
  CompressionError,
  CorruptRecordError,
  createRecordBatch,
  DecodeError,
  decodeMessageSetSync,
  decodeRecordBatchesSync,
  decodeRequest,
  encodeMessageSetSync,
  encodeRecordBatchSync,
  encodeRequest,
  type MessageDescriptor,
} from '../../src/protocol/index.js';

/** A decoder under test with the inputs it starts from and the errors it may throw. */
export interface FuzzTarget {
  readonly name: string;
  /** Share of all inputs that this target gets, relative to the other targets' weights. */
  readonly weight: number;
  readonly seeds: readonly Buffer[];
  /** Decodes `buffer[0, end)`; the bytes after `end` must never be read. Returns the reader offset reached, if any. */
  decode(buffer: Buffer, end: number): number | undefined;
  isExpectedError(error: unknown): boolean;
}

/** Decompressed output larger than this is refused: the fuzzer checks bombs fail fast and small. */
export const FUZZ_MAX_DECOMPRESSED_BYTES = 1 << 20;
const isDecodeError = (error: unknown): boolean => error instanceof DecodeError;
const isRecordError = (error: unknown): boolean =>
  error instanceof CorruptRecordError || error instanceof CompressionError || error instanceof DecodeError;

function encodeMessage(descriptor: MessageDescriptor<unknown>, version: number, value: unknown): Buffer {
  const writer = new ByteWriter();
  descriptor.encode(writer, version, value);
  return writer.toBuffer();
}

/** One target per message schema, its seeds spread over every valid version (the version rides in byte 0). */
function messageTargets(seed: number, samplesPerVersion: number): FuzzTarget[] {
  const weight = 0.45 / messageArbitraries.length;
  return messageArbitraries.map(({ descriptor, arbitrary }) => {
    const { min, max } = descriptor.validVersions;
    const seeds: Buffer[] = [];
    for (let version = min; version <= max; version++) {
      for (const value of fc.sample(arbitrary(version), {
        numRuns: samplesPerVersion,
        seed: seed + version,
      })) {
        seeds.push(Buffer.concat([Buffer.from([version - min]), encodeMessage(descriptor, version, value)]));
      }
    }
    return {
      name: descriptor.name,
      weight,
      seeds,
      decode(buffer, end) {
        if (end === 0) return undefined;
        const version = min + ((buffer[0] ?? 0) % (max - min + 1));
        const reader = new ByteReader(buffer, 1, end);
        try {
          descriptor.decode(reader, version);
        } finally {
          checkWindow(reader, end);
        }
        return reader.offset;
      },
      isExpectedError: isDecodeError,
    };
  });
}

/** Whole request frames (header + body), as the network layer hands them over. */
function requestFrameTarget(seed: number): FuzzTarget {
  const seeds: Buffer[] = [];
  const requests = messageArbitraries.filter(({ descriptor }) => descriptor.type === 'request');
  for (const { descriptor, arbitrary } of requests) {
    const apiKey = descriptor.apiKey!;
    const { max } = descriptor.validVersions;
    for (const body of fc.sample(arbitrary(max), { numRuns: 2, seed })) {
      const header = { requestApiKey: apiKey, requestApiVersion: max, correlationId: 7, clientId: 'fuzz' };
      seeds.push(Buffer.concat(encodeRequest(header as never, body as never)).subarray(4));
    }
  }
  return {
    name: `request-frame(${Object.keys(apis).length} APIs)`,
    weight: 0.2,
    seeds,
    decode(buffer, end) {
      const reader = new ByteReader(buffer, 0, end);
      try {
        decodeRequest(reader);
      } finally {
        checkWindow(reader, end);
      }
      return reader.offset;
    },
    isExpectedError: isDecodeError,
  };
}

const CODECS = [
  CompressionCodec.none,
  CompressionCodec.gzip,
  CompressionCodec.snappy,
  CompressionCodec.lz4,
  CompressionCodec.zstd,
];

function sampleRecords(
  count: number,
  salt: number,
): Array<{ key: Buffer | null; value: Buffer; timestamp: bigint }> {
  return Array.from({ length: count }, (_, i) => ({
    key: i % 3 === 0 ? null : Buffer.from(`key-${salt}-${i}`),
    value: Buffer.from(`value ${salt} ${i} `.repeat(1 + (i % 5))),
    timestamp: 1_700_000_000_000n + BigInt(i * 7),
  }));
}

/** v2 record batches with every codec, transactional and control flags, several batches per buffer. */
function recordBatchTarget(): FuzzTarget {
  const seeds: Buffer[] = [];
  for (const [index, compression] of CODECS.entries()) {
    const batch = (n: number, extra: object) =>
      encodeRecordBatchSync(createRecordBatch({ records: sampleRecords(n, index), compression, ...extra }));
    seeds.push(
      batch(1, {}),
      batch(12, { isTransactional: true, producerId: 42n, producerEpoch: 3, baseSequence: 9 }),
    );
    seeds.push(Buffer.concat([batch(3, { baseOffset: 0n }), batch(4, { baseOffset: 3n })]));
  }
  // A gzip bomb: 8 MiB of zeros in a single record, over the configured decompression limit.
  const bomb = createRecordBatch({
    records: [{ value: Buffer.alloc(8 << 20) }],
    compression: CompressionCodec.gzip,
  });
  seeds.push(encodeRecordBatchSync(bomb));
  return {
    name: 'record-batches(v2)',
    weight: 0.2,
    seeds,
    decode(buffer, end) {
      decodeRecordBatchesSync(buffer.subarray(0, end), {
        maxDecompressedBytes: FUZZ_MAX_DECOMPRESSED_BYTES,
        maxBatchBytes: 1 << 20,
      });
      return undefined;
    },
    isExpectedError: isRecordError,
  };
}

/** A magic 1 gzip wrapper message whose value is `inner`, built by hand so that it can nest. */
function legacyWrapper(inner: Buffer): Buffer {
  const value = gzipSync(inner);
  const body = Buffer.alloc(1 + 1 + 8 + 4 + 4 + value.length);
  body.writeInt8(1, 0); // magic
  body.writeInt8(1, 1); // attributes: gzip
  body.writeBigInt64BE(1_700_000_000_000n, 2);
  body.writeInt32BE(-1, 10); // null key
  body.writeInt32BE(value.length, 14);
  value.copy(body, 18);
  const entry = Buffer.alloc(12 + 4 + body.length);
  entry.writeBigInt64BE(0n, 0);
  entry.writeInt32BE(4 + body.length, 8);
  entry.writeUInt32BE(crc32(body), 12);
  body.copy(entry, 16);
  return entry;
}

/** Legacy magic 0/1 message sets, plain and compressed, and wrappers nested up to 64 deep. */
function legacyMessageSetTarget(): FuzzTarget {
  const seeds: Buffer[] = [];
  const legacyCodecs = CODECS.filter((codec) => codec !== CompressionCodec.zstd);
  for (const magic of [0, 1] as const) {
    for (const compression of legacyCodecs) {
      const records = sampleRecords(5, compression).map((record, i) => ({ ...record, offset: BigInt(i) }));
      seeds.push(encodeMessageSetSync(records, { magic, compression }));
    }
  }
  let nested = encodeMessageSetSync([{ offset: 0n, value: Buffer.from('core') }], { magic: 1 });
  for (let depth = 1; depth <= 64; depth++) {
    nested = legacyWrapper(nested);
    if (depth === 2 || depth === 64) seeds.push(nested);
  }
  return {
    name: 'message-set(magic 0/1)',
    weight: 0.15,
    seeds,
    decode(buffer, end) {
      decodeMessageSetSync(buffer.subarray(0, end), { maxDecompressedBytes: FUZZ_MAX_DECOMPRESSED_BYTES });
      return undefined;
    },
    isExpectedError: isRecordError,
  };
}

export class WindowOverrunError extends Error {}

function checkWindow(reader: ByteReader, end: number): void {
  if (reader.offset > end)
    throw new WindowOverrunError(`read to ${reader.offset} past the window end ${end}`);
}

/** Every fuzz target, with seeds derived deterministically from `seed`. */
export function buildTargets(seed: number, samplesPerVersion = 2): FuzzTarget[] {
  return [
    ...messageTargets(seed, samplesPerVersion),
    requestFrameTarget(seed),
    recordBatchTarget(),
    legacyMessageSetTarget(),
  ];
}
