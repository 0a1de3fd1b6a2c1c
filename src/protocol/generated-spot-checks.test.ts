// Proves that generated codecs produce Kafka's byte layouts, checked against bytes written out by
// hand from the protocol definition: compact and classic strings/arrays, null versus empty, tagged
// fields (known, unknown, out of version), nullable structs, ignorable and non-ignorable fields.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ApiVersionsRequest,
  type ApiVersionsResponse,
  apiVersionsRequest,
  apiVersionsResponse,
  type ConsumerGroupHeartbeatResponse,
  consumerGroupHeartbeatResponse,
  type FetchRequest,
  fetchRequest,
  type MetadataRequest,
  metadataRequest,
  produceRequest,
} from './generated/index.js';
import type { MessageDescriptor } from './message-codec/index.js';
import { ByteReader, ByteWriter, DecodeError, EncodeError } from './primitives/index.js';

function encode<T>(descriptor: MessageDescriptor<T>, version: number, value: T): Buffer {
  const writer = new ByteWriter();
  descriptor.encode(writer, version, value);
  return writer.toBuffer();
}

function decode<T>(descriptor: MessageDescriptor<T>, version: number, bytes: number[] | Buffer): T {
  const reader = new ByteReader(Buffer.from(bytes));
  const value = descriptor.decode(reader, version);
  assert.equal(reader.remaining, 0);
  return value;
}

const ascii = (text: string): number[] => [...Buffer.from(text)];

describe('ApiVersionsRequest', () => {
  const request: ApiVersionsRequest = { clientSoftwareName: 'kcat', clientSoftwareVersion: '1.7.0' };

  it('v3 writes compact strings and an empty tagged-fields section', () => {
    const bytes = [0x05, ...ascii('kcat'), 0x06, ...ascii('1.7.0'), 0x00];
    assert.deepEqual([...encode(apiVersionsRequest, 3, request)], bytes);
    assert.deepEqual(decode(apiVersionsRequest, 3, bytes), request);
  });

  it('v2 silently drops the ignorable fields it lacks', () => {
    assert.equal(encode(apiVersionsRequest, 2, request).length, 0);
    assert.deepEqual(decode(apiVersionsRequest, 2, []), {
      clientSoftwareName: '',
      clientSoftwareVersion: '',
    });
  });
});

describe('MetadataRequest', () => {
  const base: MetadataRequest = {
    topics: null,
    allowAutoTopicCreation: true,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  };

  it('v1 tells a null topic array (all topics) from an empty one', () => {
    assert.deepEqual([...encode(metadataRequest, 1, base)], [0xff, 0xff, 0xff, 0xff]);
    assert.deepEqual([...encode(metadataRequest, 1, { ...base, topics: [] })], [0, 0, 0, 0]);
    assert.equal(decode(metadataRequest, 1, [0xff, 0xff, 0xff, 0xff]).topics, null);
    assert.deepEqual(decode(metadataRequest, 1, [0, 0, 0, 0]).topics, []);
  });

  it('v0 cannot hold a null topic array, in either direction', () => {
    assert.throws(() => encode(metadataRequest, 0, base), EncodeError);
    assert.throws(() => decode(metadataRequest, 0, [0xff, 0xff, 0xff, 0xff]), DecodeError);
  });

  it('v9 uses compact arrays and strings', () => {
    const value = { ...base, topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'a' }] };
    // topics [{ name 'a', no tags }], allowAutoTopicCreation, two authorized-operations flags, no tags
    const bytes = [0x02, 0x02, 0x61, 0x00, 0x01, 0x00, 0x00, 0x00];
    assert.deepEqual([...encode(metadataRequest, 9, value)], bytes);
    assert.deepEqual(decode(metadataRequest, 9, bytes), value);
    assert.deepEqual([...encode(metadataRequest, 9, base)], [0x00, 0x01, 0x00, 0x00, 0x00]);
  });

  it('refuses a non-default value for a non-ignorable field the version lacks', () => {
    assert.throws(
      () => encode(metadataRequest, 3, { ...base, allowAutoTopicCreation: false }),
      (error: unknown) =>
        error instanceof EncodeError &&
        error.message.includes('MetadataRequest.allowAutoTopicCreation') &&
        error.message.includes('version 3'),
    );
    // At its default, the missing field is no loss.
    assert.deepEqual([...encode(metadataRequest, 3, base)], [0xff, 0xff, 0xff, 0xff]);
  });
});

describe('ApiVersionsResponse v3 tagged fields', () => {
  const fixed = [0x00, 0x00, 0x02, 0x00, 0x12, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00];
  const epochField = [0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x05];
  const expected: ApiVersionsResponse = {
    errorCode: 0,
    apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: 5n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };

  it('reads a known tag and skips an unknown one', () => {
    const bytes = [...fixed, 0x02, ...epochField, 0x07, 0x02, 0xab, 0xcd];
    assert.deepEqual(decode(apiVersionsResponse, 3, bytes), expected);
  });

  it('writes only the tagged fields that differ from their default, in tag order', () => {
    assert.deepEqual([...encode(apiVersionsResponse, 3, expected)], [...fixed, 0x01, ...epochField]);
    const withFlag = { ...expected, zkMigrationReady: true };
    assert.deepEqual(
      [...encode(apiVersionsResponse, 3, withFlag)],
      [...fixed, 0x02, ...epochField, 0x03, 0x01, 0x01],
    );
    const defaults = { ...expected, finalizedFeaturesEpoch: -1n };
    assert.deepEqual([...encode(apiVersionsResponse, 3, defaults)], [...fixed, 0x00]);
  });

  it('rejects a known tagged field whose size does not match its value', () => {
    const bytes = [...fixed, 0x01, 0x01, 0x09, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x00];
    assert.throws(() => decode(apiVersionsResponse, 3, bytes), DecodeError);
  });

  it('rejects a tagged field longer than the bytes that remain', () => {
    const bytes = [...fixed, 0x01, 0x07, 0x7f, 0x00];
    assert.throws(() => decode(apiVersionsResponse, 3, bytes), DecodeError);
  });
});

describe('FetchRequest', () => {
  const request: FetchRequest = {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1n },
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 0x7fffffff,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [],
    forgottenTopicsData: [],
    rackId: '',
  };

  it('skips a tag in a version where its field is not tagged (ReplicaState is tag 1 from v15)', () => {
    const bytes = encode(fetchRequest, 12, request);
    assert.equal(bytes[bytes.length - 1], 0x00);
    const withTag = Buffer.concat([bytes.subarray(0, -1), Buffer.from([0x01, 0x01, 0x02, 0xaa, 0xbb])]);
    assert.deepEqual(decode(fetchRequest, 12, withTag), request);
  });

  it('writes ReplicaState as tag 1 from v15 when it differs from its default', () => {
    const replicaState = { replicaId: 3, replicaEpoch: 7n };
    const bytes = encode(fetchRequest, 15, { ...request, replicaState });
    const tail = [0x01, 0x01, 0x0d, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 7, 0x00];
    assert.deepEqual([...bytes.subarray(-tail.length)], tail);
    assert.deepEqual(decode(fetchRequest, 15, bytes).replicaState, replicaState);
  });

  it('drops ignorable fields the version lacks and refuses the others', () => {
    assert.doesNotThrow(() => encode(fetchRequest, 3, { ...request, isolationLevel: 1 }));
    const forgotten = [{ topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [0] }];
    assert.throws(() => encode(fetchRequest, 6, { ...request, forgottenTopicsData: forgotten }), EncodeError);
    assert.throws(
      () => encode(fetchRequest, 14, { ...request, replicaState: { replicaId: 1, replicaEpoch: 1n } }),
      EncodeError,
    );
  });
});

describe('nullable struct fields', () => {
  const response: ConsumerGroupHeartbeatResponse = {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    memberId: 'm',
    memberEpoch: 1,
    heartbeatIntervalMs: 5000,
    assignment: null,
  };

  it('mark null with int8 -1 and present with 1', () => {
    const prefix = [0, 0, 0, 0, 0, 0, 0x00, 0x02, 0x6d, 0, 0, 0, 1, 0, 0, 0x13, 0x88];
    assert.deepEqual([...encode(consumerGroupHeartbeatResponse, 0, response)], [...prefix, 0xff, 0x00]);
    const assignment = { topicPartitions: [] };
    const bytes = [...prefix, 0x01, 0x01, 0x00, 0x00];
    assert.deepEqual([...encode(consumerGroupHeartbeatResponse, 0, { ...response, assignment })], bytes);
    assert.deepEqual(decode(consumerGroupHeartbeatResponse, 0, bytes).assignment, assignment);
  });
});

describe('records', () => {
  it('decode as a view of the input and encode by reference', () => {
    const records = Buffer.alloc(1 << 20, 0x5a);
    const value = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
    };
    const writer = new ByteWriter();
    produceRequest.encode(writer, 9, value);
    const chunks = writer.toChunks();
    assert.ok(chunks.includes(records), 'the records Buffer itself is one of the chunks');
    const frame = Buffer.concat(chunks);
    const decoded = produceRequest.decode(new ByteReader(frame), 9);
    const view = decoded.topicData[0]?.partitionData[0]?.records;
    assert.ok(view !== null && view !== undefined);
    assert.equal(view.buffer, frame.buffer, 'no copy: the same memory as the frame');
    assert.equal(view.length, records.length);
  });
});

describe('version checks', () => {
  it('reject versions outside validVersions', () => {
    assert.throws(
      () => encode(apiVersionsRequest, 5, { clientSoftwareName: '', clientSoftwareVersion: '' }),
      EncodeError,
    );
    assert.throws(() => decode(apiVersionsRequest, -1, []), DecodeError);
  });
});
