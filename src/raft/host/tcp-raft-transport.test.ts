// Runs TcpRaftTransports on loopback (port 0) and proves: messages arrive in order both ways, one
// send()'s frames for a peer leave in one socket write, a peer
// that restarts on another port is found again (address asked per attempt, reconnect with backoff, at
// once when the peer speaks first),
// frames are dropped (not queued without bound) while a peer is down, and a bad frame, another
// cluster's frame or a frame for another node closes only the connection that carried it.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { countSocketWrites, eventually } from '../../testing/index.js';
import type { NodeId } from '../core/log-entry.js';
import type { RaftMessage } from '../core/raft-message.js';
import { encodeRaftFrame } from './raft-wire-codec.js';
import { TcpRaftTransport } from './tcp-raft-transport.js';

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  await eventually(what, () => (condition() ? true : undefined), { intervalMs: 5 });
}

class Endpoint {
  readonly received: RaftMessage[] = [];
  readonly disconnected: NodeId[] = [];
  transport: TcpRaftTransport;
  port = 0;

  constructor(
    readonly id: NodeId,
    readonly ports: Map<NodeId, number>,
    readonly clusterId = 'test-cluster',
    readonly backoffMs = { initial: 10, max: 50 },
  ) {
    this.transport = this.#create();
  }

  #create(): TcpRaftTransport {
    return new TcpRaftTransport({
      selfId: this.id,
      clusterId: this.clusterId,
      peerAddress: (peerId) => {
        const port = this.ports.get(peerId);
        return port === undefined ? undefined : { host: '127.0.0.1', port };
      },
      onMessage: (message) => this.received.push(message),
      onPeerDisconnected: (peer) => this.disconnected.push(peer),
      reconnectBackoffMs: this.backoffMs.initial,
      reconnectBackoffMaxMs: this.backoffMs.max,
      maxQueuedBytes: 1024 * 1024,
    });
  }

  async start(): Promise<void> {
    this.port = await this.transport.listen(0);
    this.ports.set(this.id, this.port);
  }

  async restart(): Promise<void> {
    await this.transport.close();
    this.ports.delete(this.id);
    this.transport = this.#create();
    await this.start();
  }
}

const heartbeat = (from: NodeId, to: NodeId, readSeq: number): RaftMessage => ({
  kind: 'heartbeat',
  from,
  to,
  term: 3,
  leaderCommit: 0,
  readSeq,
});

/** Endpoints 1 (`a`, reconnecting with `aBackoffMs`) and 2 (`b`), both listening. */
async function startedPair(aBackoffMs?: { initial: number; max: number }) {
  const ports = new Map<NodeId, number>();
  const a = new Endpoint(1, ports, 'test-cluster', aBackoffMs);
  const b = new Endpoint(2, ports);
  await Promise.all([a.start(), b.start()]);
  return { ports, a, b };
}

/** `a` reaches `b`, then `b` goes down (its port forgotten) until `a` drops a frame for it. */
async function connectThenLosePeer(a: Endpoint, b: Endpoint, ports: Map<NodeId, number>, what: string) {
  a.transport.send([heartbeat(1, 2, 0)]);
  await waitFor(() => b.received.length === 1, 'first message');
  await b.transport.close();
  ports.delete(2);
  await waitFor(() => {
    a.transport.send([heartbeat(1, 2, 100)]);
    return (a.transport.droppedFrames().get(2) ?? 0) > 0;
  }, what);
}

describe('TcpRaftTransport', () => {
  it('delivers messages in order both ways', async () => {
    const { a, b } = await startedPair();
    try {
      for (let i = 0; i < 1000; i++) a.transport.send([heartbeat(1, 2, i)]);
      b.transport.send([{ kind: 'appendResponse', from: 2, to: 1, term: 3, success: true, matchIndex: 9 }]);
      await waitFor(() => b.received.length === 1000 && a.received.length === 1, 'all messages');
      assert.deepEqual(
        b.received.map((m) => (m.kind === 'heartbeat' ? m.readSeq : -1)),
        Array.from({ length: 1000 }, (_, i) => i),
      );
      assert.equal(a.received[0]?.kind, 'appendResponse');
    } finally {
      await Promise.all([a.transport.close(), b.transport.close()]);
    }
  });

  it("hands one send()'s frames for a peer to its socket as one write", async () => {
    const { a, b } = await startedPair();
    // Counts the writes Node makes to sockets bound for b's port: each is one syscall that wakes b.
    const writes = countSocketWrites(b.port);
    try {
      a.transport.send([heartbeat(1, 2, 0)]);
      await waitFor(() => b.received.length === 1, 'connected');
      writes.reset();
      a.transport.send([heartbeat(1, 2, 1), heartbeat(1, 2, 2), heartbeat(1, 2, 3)]);
      assert.equal(writes.count, 1, 'three frames (a size prefix and a body each), one write');
      await waitFor(() => b.received.length === 4, 'all messages');
      assert.deepEqual(
        b.received.map((m) => (m.kind === 'heartbeat' ? m.readSeq : -1)),
        [0, 1, 2, 3],
      );
    } finally {
      writes.restore();
      await Promise.all([a.transport.close(), b.transport.close()]);
    }
  });

  it('reports a closed connection from a peer that spoke on it, not its own close', async () => {
    const { a, b } = await startedPair();
    try {
      a.transport.send([heartbeat(1, 2, 0)]);
      await waitFor(() => b.received.length === 1, 'first message');
      await a.transport.close(); // as a killed process's sockets close
      await waitFor(() => b.disconnected.length === 1, 'the disconnection');
      assert.deepEqual(b.disconnected, [1]);
    } finally {
      await b.transport.close();
    }
    assert.deepEqual(b.disconnected, [1], 'closing its own connections reports nothing');
    assert.deepEqual(a.disconnected, []);
  });

  it('drops while a peer is down and reconnects to it on its new port', async () => {
    const { ports, a, b } = await startedPair();
    try {
      await connectThenLosePeer(a, b, ports, 'drops while down');
      await b.restart();
      await waitFor(() => {
        a.transport.send([heartbeat(1, 2, 7)]);
        return b.received.some((m) => m.kind === 'heartbeat' && m.readSeq === 7);
      }, 'a message on the new connection');
    } finally {
      await Promise.all([a.transport.close(), b.transport.close()]);
    }
  });

  it('reconnects at once to a peer that speaks again, whatever its backoff', async () => {
    const { ports, a, b } = await startedPair({ initial: 600_000, max: 600_000 });
    try {
      await connectThenLosePeer(a, b, ports, 'a ten-minute backoff');
      await b.restart();
      b.transport.send([heartbeat(2, 1, 1)]);
      await waitFor(() => a.received.some((m) => m.from === 2), 'b speaks');
      await waitFor(() => {
        a.transport.send([heartbeat(1, 2, 7)]);
        return b.received.some((m) => m.kind === 'heartbeat' && m.readSeq === 7);
      }, 'a reaches b long before its backoff ends');
    } finally {
      await Promise.all([a.transport.close(), b.transport.close()]);
    }
  });

  it('closes only the connection that carried a bad, foreign or misaddressed frame', async () => {
    const ports = new Map<NodeId, number>();
    const b = new Endpoint(2, ports);
    await b.start();
    const good = new Endpoint(1, ports);
    await good.start();
    try {
      const badFrames = [
        Buffer.from([0, 0, 0, 20, ...Buffer.alloc(20, 0xff)]),
        Buffer.from([0x7f, 0xff, 0xff, 0xff]),
        Buffer.concat(encodeRaftFrame(heartbeat(9, 2, 1), 'other-cluster')),
        Buffer.concat(encodeRaftFrame(heartbeat(9, 3, 1), 'test-cluster')),
      ];
      for (const [i, bytes] of badFrames.entries()) {
        const socket = connect({ host: '127.0.0.1', port: b.port });
        socket.on('error', () => {});
        const closed = new Promise((resolve) => socket.on('close', resolve));
        // A valid frame first, then the bad one: the first is delivered, then the connection closes.
        socket.write(Buffer.concat(encodeRaftFrame(heartbeat(9, 2, 1000 + i), 'test-cluster')));
        socket.write(bytes);
        await closed;
        assert.equal(b.transport.badFrames, i + 1);
      }
      assert.deepEqual(
        b.received.map((m) => (m.kind === 'heartbeat' ? m.readSeq : -1)),
        [1000, 1001, 1002, 1003],
      );
      good.transport.send([heartbeat(1, 2, 5)]);
      await waitFor(
        () => b.received.some((m) => m.kind === 'heartbeat' && m.readSeq === 5),
        'a good peer still gets through',
      );
    } finally {
      await Promise.all([good.transport.close(), b.transport.close()]);
    }
  });
});
