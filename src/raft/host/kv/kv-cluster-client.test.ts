// KvClusterClient against two fake nodes on loopback: one accepts requests and never answers (a node
// that stays up but cannot finish them), the other answers at once. Each attempt has its own timeout,
// so the put moves on to the answering node long before its deadline.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { FrameDecoder } from '../../../network/index.js';
import { ErrorCode } from '../../../protocol/index.js';
import { KvClusterClient } from './kv-cluster-client.js';
import { decodeKvRequest, encodeKvResponse } from './kv-frames.js';

async function fakeNode(answers: boolean): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    const decoder = new FrameDecoder({ minFrameBytes: 4, maxFrameBytes: 1024 * 1024 });
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk);
      for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) {
        const request = decodeKvRequest(frame);
        if (!answers) continue;
        const response = {
          requestId: request.requestId,
          errorCode: ErrorCode.NONE,
          leaderId: 2,
          index: 1n,
          value: null,
        };
        for (const part of encodeKvResponse(response)) socket.write(part);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { server, port: address.port, sockets };
}

describe('KvClusterClient', () => {
  it('gives up an attempt that gets no answer within attemptTimeoutMs and tries the next node', async () => {
    const silent = await fakeNode(false);
    const answering = await fakeNode(true);
    const ports = new Map([
      [1, silent.port],
      [2, answering.port],
    ]);
    const client = new KvClusterClient({
      nodeIds: [1, 2],
      clientAddress: (id) => ({ host: '127.0.0.1', port: ports.get(id)! }),
      attemptTimeoutMs: 100,
    });
    try {
      const startMs = Date.now();
      const answer = await client.put(Buffer.from('k'), Buffer.from('v'), startMs + 30_000);
      assert.equal(answer.nodeId, 2);
      assert.ok(Date.now() - startMs < 10_000, 'answered long before the deadline');
      assert.equal(client.counters.timeouts, 1);
      assert.equal(client.counters.attempts, 2);
    } finally {
      client.close();
      for (const node of [silent, answering]) {
        for (const socket of node.sockets) socket.destroy();
        await new Promise((resolve) => node.server.close(resolve));
      }
    }
  });
});
