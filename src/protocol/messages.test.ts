// Proves that whole request and response frames encode and decode through the API registry: the size
// prefix, the header version each API uses at each version (including ControlledShutdown v0 and
// ApiVersions' response header v0), typed dispatch on the API key, and DecodeError for bad headers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKey, apis } from './generated/index.js';
import {
  decodeRequest,
  decodeRequestBody,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from './messages.js';
import { ByteReader, DecodeError, EncodeError } from './primitives/index.js';

const ascii = (text: string): number[] => [...Buffer.from(text)];

/** The frame without its int32 size prefix, after checking that prefix. */
function unframe(chunks: Buffer[]): Buffer {
  const frame = Buffer.concat(chunks);
  assert.equal(frame.readInt32BE(0), frame.length - 4);
  return frame.subarray(4);
}

describe('request frames', () => {
  it('ApiVersions v3 uses request header v2 with a classic (non-compact) client id', () => {
    const chunks = encodeRequest(
      { requestApiKey: ApiKey.ApiVersions, requestApiVersion: 3, correlationId: 1, clientId: 'rdkafka' },
      { clientSoftwareName: 'kcat', clientSoftwareVersion: '1.7.0' },
    );
    const header = [0x00, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x07, ...ascii('rdkafka'), 0x00];
    const body = [0x05, ...ascii('kcat'), 0x06, ...ascii('1.7.0'), 0x00];
    assert.deepEqual([...Buffer.concat(chunks)], [0, 0, 0, header.length + body.length, ...header, ...body]);
  });

  it('ControlledShutdown v0 uses request header v0, which has no client id', () => {
    const chunks = encodeRequest(
      { requestApiKey: ApiKey.ControlledShutdown, requestApiVersion: 0, correlationId: 5, clientId: 'x' },
      { brokerId: 1, brokerEpoch: -1n },
    );
    assert.deepEqual([...unframe(chunks)], [0, 7, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1]);
    assert.equal(apis[ApiKey.ControlledShutdown].requestHeaderVersion(1), 1);
    assert.equal(apis[ApiKey.ControlledShutdown].requestHeaderVersion(3), 2);
  });

  it('decode to a header and a body typed by the API key', () => {
    const body = { transactionalId: null, acks: -1, timeoutMs: 100, topicData: [] };
    const frame = unframe(
      encodeRequest(
        { requestApiKey: ApiKey.Produce, requestApiVersion: 9, correlationId: 42, clientId: null },
        body,
      ),
    );
    const request = decodeRequest(new ByteReader(frame));
    assert.deepEqual(request.header, {
      requestApiKey: 0,
      requestApiVersion: 9,
      correlationId: 42,
      clientId: null,
    });
    assert.equal(request.apiKey, ApiKey.Produce);
    if (request.apiKey === ApiKey.Produce) assert.equal(request.body.timeoutMs, 100);
    assert.deepEqual(request.body, body);
  });

  it('read the header of a version too new to decode, for an UNSUPPORTED_VERSION answer', () => {
    const frame = Buffer.from([0x00, 0x12, 0x00, 0x63, 0, 0, 0, 9, 0xff, 0xff, 0x00, 0x00]);
    const reader = new ByteReader(frame);
    const header = decodeRequestHeader(reader);
    assert.deepEqual(header, { requestApiKey: 18, requestApiVersion: 99, correlationId: 9, clientId: null });
    assert.throws(() => decodeRequestBody(ApiKey.ApiVersions, 99, reader), DecodeError);
  });

  it('refuse unknown API keys and truncated headers with DecodeError', () => {
    assert.throws(
      () => decodeRequestHeader(new ByteReader(Buffer.from([0x7f, 0x00, 0, 0, 0, 0, 0, 1]))),
      DecodeError,
    );
    assert.throws(() => decodeRequestHeader(new ByteReader(Buffer.from([0x00, 0x03, 0x00]))), DecodeError);
    assert.throws(
      () => decodeRequestHeader(new ByteReader(Buffer.from([0x00, 0x03, 0x00, 0x01, 0, 0]))),
      DecodeError,
    );
  });

  it('refuse to encode a version the API does not have', () => {
    assert.throws(
      () =>
        encodeRequest(
          { requestApiKey: ApiKey.ApiVersions, requestApiVersion: 9, correlationId: 1, clientId: null },
          { clientSoftwareName: '', clientSoftwareVersion: '' },
        ),
      EncodeError,
    );
  });
});

describe('response frames', () => {
  const apiVersions = {
    errorCode: 0,
    apiKeys: [],
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };

  it('ApiVersions answers with response header v0 even in flexible versions', () => {
    const frame = unframe(encodeResponse(ApiKey.ApiVersions, 3, 7, apiVersions));
    // correlation id, then the body (no tagged-fields byte in the header)
    assert.deepEqual([...frame], [0, 0, 0, 7, 0, 0, 0x01, 0, 0, 0, 0, 0x00]);
    const { header, body } = decodeResponse(ApiKey.ApiVersions, 3, new ByteReader(frame));
    assert.equal(header.correlationId, 7);
    assert.deepEqual(body, apiVersions);
  });

  it('flexible responses carry response header v1', () => {
    const heartbeat = { throttleTimeMs: 0, errorCode: 0 };
    const frame = unframe(encodeResponse(ApiKey.Heartbeat, 4, 3, heartbeat));
    assert.deepEqual([...frame], [0, 0, 0, 3, 0x00, 0, 0, 0, 0, 0, 0, 0x00]);
    assert.deepEqual(decodeResponse(ApiKey.Heartbeat, 4, new ByteReader(frame)).body, heartbeat);
    assert.deepEqual(
      [...unframe(encodeResponse(ApiKey.Heartbeat, 3, 3, heartbeat))],
      [0, 0, 0, 3, 0, 0, 0, 0, 0, 0],
    );
  });
});
