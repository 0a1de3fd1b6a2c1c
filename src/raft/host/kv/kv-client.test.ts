// Proves that KvClient sends the requests made in one synchronous run in one socket write (each write
// on loopback is a syscall that also wakes the node), with every request intact and in order, by
// counting the writes Node makes to the client's socket against a plain server that decodes frames.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { FrameDecoder } from '../../../network/index.js';
import { countSocketWrites, eventually } from '../../../testing/index.js';
import { KvClient } from './kv-client.js';
import { decodeKvRequest } from './kv-frames.js';

describe('KvClient', () => {
  it('writes the requests of one synchronous run in one write, in order', async () => {
    const keys: string[] = [];
    const server = createServer((socket) => {
      const decoder = new FrameDecoder({ minFrameBytes: 4, maxFrameBytes: 1024 * 1024 });
      socket.on('data', (chunk: Buffer) => {
        decoder.push(chunk);
        for (let frame = decoder.next(); frame !== undefined; frame = decoder.next())
          keys.push(Buffer.from(decodeKvRequest(frame).key).toString());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(typeof address === 'object' && address !== null);
    const client = await KvClient.connect('127.0.0.1', address.port);
    const writes = countSocketWrites(address.port);
    try {
      const puts = ['a', 'b', 'c'].map((key) => client.put(Buffer.from(key), Buffer.from('v')));
      for (const put of puts) put.catch(() => {}); // never answered: the connection closes below
      await eventually('all requests at the server', () => (keys.length === 3 ? true : undefined), {
        intervalMs: 5,
      });
      assert.equal(writes.count, 1, 'three requests (a size prefix and a body each), one write');
      assert.deepEqual(keys, ['a', 'b', 'c']);
    } finally {
      writes.restore();
      client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
