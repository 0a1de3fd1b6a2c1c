// Proves that a real client's bytes go through framing and dispatch: KafkaJS 2.2.4 connects to a
// SocketServer whose handler answers only ApiVersions (and closes on anything else); the server must
// see KafkaJS's ApiVersions request, KafkaJS's connect must succeed on our answer, and its next
// request (Metadata, which this handler refuses) must arrive framed as well.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { ApiKey } from '../protocol/index.js';
import { answerApiVersions, startTestServer } from './network-test-kit.js';
import type { NetworkRequest } from './request-handler.js';

const { Kafka, logLevel } = kafkajs;

describe('KafkaJS against SocketServer', () => {
  const received: Array<Pick<NetworkRequest, 'apiKey' | 'apiVersion'> & { clientId: string | null }> = [];
  const started = startTestServer(async (request) => {
    received.push({
      apiKey: request.apiKey,
      apiVersion: request.apiVersion,
      clientId: request.header.clientId,
    });
    if (request.apiKey === ApiKey.ApiVersions) return answerApiVersions(request);
    // The rest of this test's broker is missing on purpose: closing is the documented outcome of a throw.
    throw new Error(`test broker answers ApiVersions only, not API key ${request.apiKey}`);
  });
  after(async () => (await started).stop());

  it("KafkaJS's ApiVersions request is framed, dispatched and answered", async () => {
    const { port } = await started;
    const kafka = new Kafka({
      clientId: 'kafkajs-framing',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 2_000,
      requestTimeout: 2_000,
    });
    const admin = kafka.admin();
    try {
      // KafkaJS's connect completes once its ApiVersions request was answered and decoded.
      await admin.connect();
      await assert.rejects(admin.listTopics());
    } finally {
      await admin.disconnect();
    }
    const first = received[0];
    assert.equal(first?.apiKey, ApiKey.ApiVersions);
    assert.equal(first?.clientId, 'kafkajs-framing');
    // Metadata at a version taken from our answer proves KafkaJS went on with the versions we sent.
    assert.ok(
      received.some(
        (request) => request.apiKey === ApiKey.Metadata && request.clientId === 'kafkajs-framing',
      ),
      `received: ${JSON.stringify(received)}`,
    );
  });
});
