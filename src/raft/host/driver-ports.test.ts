// systemClock's timers run after the input that was ready when they came due: a follower whose event
// loop was held past its election deadline reads the leader's waiting messages before its timer acts.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { systemClock } from './driver-ports.js';

/** Holds the event loop (as a long synchronous step does) until `ms` passed. */
function holdEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else runs meanwhile
  }
}

/** A loopback connection; `run` gets its two ends, which are closed afterwards. */
async function withConnection(run: (client: Socket, inbound: Socket) => Promise<void>): Promise<void> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect({ host: '127.0.0.1', port: address.port });
  await once(client, 'connect');
  const [inbound] = await accepted;
  try {
    await run(client, inbound);
  } finally {
    client.destroy();
    inbound.destroy();
    server.close();
  }
}

/** Writes one byte that is in the peer's socket when this returns (loopback), then holds the loop. */
function arriveWhileHeld(client: Socket, holdMs: number): void {
  client.write('x');
  assert.equal(client.writableLength, 0, 'on loopback the byte is in the peer socket when write returns');
  holdEventLoop(holdMs);
}

describe('systemClock', () => {
  it('runs a timer that came due while the loop was held after the socket input that waited', async () => {
    await withConnection(async (client, inbound) => {
      const order: string[] = [];
      inbound.on('data', () => order.push('input'));
      await new Promise((resolve) => setImmediate(resolve));
      const fired = new Promise<void>((resolve) => {
        systemClock.setTimer(() => {
          order.push('timer');
          resolve();
        }, 5);
      });
      arriveWhileHeld(client, 25);
      await fired;
      assert.deepEqual(order, ['input', 'timer']);
    });
  });

  it('cancels a timer whose callback already waits behind the input (the input cancelled it)', async () => {
    await withConnection(async (client, inbound) => {
      let ran = false;
      let cancelledOnInput = false;
      await new Promise((resolve) => setImmediate(resolve));
      const timer = systemClock.setTimer(() => {
        ran = true;
      }, 5);
      const input = new Promise<void>((resolve) => {
        inbound.on('data', () => {
          timer.cancel();
          cancelledOnInput = true;
          resolve();
        });
      });
      arriveWhileHeld(client, 25);
      await input;
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(cancelledOnInput);
      assert.equal(ran, false);
    });
  });
});
