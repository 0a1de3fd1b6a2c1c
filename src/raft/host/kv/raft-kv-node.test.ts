// Three key-value nodes in this process over real TCP (loopback, port 0), the real clock and in-memory
// storage: a leader is elected, puts sent through the client port commit on every node, a get reads
// the acknowledged value, a follower answers NOT_LEADER_OR_FOLLOWER with the leader's id, and after
// the leader is closed the other two elect a new one and keep committing. The election timeout is long
// enough that event-loop stalls on a loaded machine do not depose a live leader mid-test: a deposed
// leader answers its pending puts NOT_LEADER_OR_FOLLOWER at once, and this raw client does not retry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../protocol/index.js';
import { eventually } from '../../../testing/index.js';
import type { NodeId } from '../../core/log-entry.js';
import { MemoryRaftStorage } from '../memory-raft-storage.js';
import { KvClient } from './kv-client.js';
import { type RaftKvNode, startRaftKvNode } from './raft-kv-node.js';

const waitFor = <T>(probe: () => T | undefined, what: string): Promise<T> =>
  eventually(what, probe, { timeoutMs: 15_000 });

describe('raft key-value node', () => {
  it('replicates puts, reads them back, redirects and survives losing its leader', async () => {
    const ids: NodeId[] = [1, 2, 3];
    const ports = new Map<NodeId, number>();
    const nodes = new Map<NodeId, RaftKvNode>();
    const clients: KvClient[] = [];
    try {
      for (const id of ids) {
        const node = await startRaftKvNode({
          raft: { id, bootstrapConfig: { voters: ids, learners: [] }, electionTimeoutMs: 1_000 },
          clusterId: 'kv-test',
          storage: new MemoryRaftStorage(),
          peerAddress: (peer) => {
            const port = ports.get(peer);
            return port === undefined ? undefined : { host: '127.0.0.1', port };
          },
        });
        ports.set(id, node.raftPort);
        nodes.set(id, node);
      }
      const leaderOf = (candidates: Iterable<RaftKvNode>) =>
        [...candidates].find((n) => n.driver.status().role === 'leader');
      const leader = await waitFor(() => leaderOf(nodes.values()), 'a leader');
      const client = await KvClient.connect('127.0.0.1', leader.clientPort);
      clients.push(client);
      const puts = await Promise.all(
        Array.from({ length: 100 }, (_, i) => client.put(Buffer.from(`k${i}`), Buffer.from(`v${i}`))),
      );
      assert.deepEqual(new Set(puts.map((r) => r.errorCode)), new Set([ErrorCode.NONE]));
      const got = await client.get(Buffer.from('k42'));
      assert.equal(got.errorCode, ErrorCode.NONE);
      assert.equal(got.value?.toString(), 'v42');
      assert.equal((await client.get(Buffer.from('absent'))).value, null);
      await waitFor(
        () => ([...nodes.values()].every((n) => n.machine.size === 100) ? true : undefined),
        'replicated',
      );

      const followerEntry = [...nodes.entries()].find(([, n]) => n !== leader)!;
      const followerClient = await KvClient.connect('127.0.0.1', followerEntry[1].clientPort);
      clients.push(followerClient);
      const refused = await followerClient.put(Buffer.from('x'), Buffer.from('y'));
      assert.equal(refused.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      assert.equal(refused.leaderId, leader.driver.status().id);

      const oldId = leader.driver.status().id;
      await leader.close();
      nodes.delete(oldId);
      ports.delete(oldId);
      const next = await waitFor(() => leaderOf(nodes.values()), 'a new leader');
      const nextClient = await KvClient.connect('127.0.0.1', next.clientPort);
      clients.push(nextClient);
      const after = await nextClient.put(Buffer.from('after'), Buffer.from('failover'));
      assert.equal(after.errorCode, ErrorCode.NONE);
      assert.equal((await nextClient.get(Buffer.from('k99'))).value?.toString(), 'v99');
    } finally {
      for (const client of clients) client.close();
      await Promise.all([...nodes.values()].map((n) => n.close()));
    }
  });
});
