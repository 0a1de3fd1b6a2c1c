// Three Raft key-value nodes as separate processes on loopback (fsync on every write, election timeout
// 300 ms). While clients keep putting unique keys, the leader is SIGKILLed 20 times and restarted
// each time. Proves that no acknowledged put is lost (every one reads back through a linearizable get
// at the end) and that the cluster commits again after every kill; prints the time from each kill to
// the first new commit (p50/p99). Bigger runs: bench/raft.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeId } from '../../src/raft/core/log-entry.js';
import { LocalRaftCluster } from '../../tools/raft-node/local-cluster.js';

const KILLS = 20;
const WRITERS = 4;
/** A liveness bound, far above the expected ~0.5 s: a kill that stops commits for this long fails. */
const RECOVERY_BOUND_MS = 15_000;

interface Ack {
  readonly key: string;
  readonly value: string;
  readonly atMs: number;
  readonly nodeId: NodeId;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('raft: leader SIGKILLed repeatedly, 3 processes', () => {
  it(`loses no acknowledged put across ${KILLS} leader kills`, { timeout: 240_000 }, async () => {
    const cluster = await LocalRaftCluster.start({ size: 3, electionTimeoutMs: 300 });
    const client = cluster.client();
    const acks: Ack[] = [];
    let stopping = false;
    let next = 0;
    let ackWaiter: (() => void) | undefined;
    const writer = async (): Promise<void> => {
      while (!stopping) {
        const n = next++;
        const key = `key-${n}`;
        const value = `value-${n}-${'x'.repeat(80)}`;
        const answer = await client.put(Buffer.from(key), Buffer.from(value), Date.now() + RECOVERY_BOUND_MS);
        acks.push({ key, value, atMs: Date.now(), nodeId: answer.nodeId });
        ackWaiter?.();
      }
    };
    const nextAck = (matches: (ack: Ack) => boolean, what: string): Promise<Ack> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${what} within ${RECOVERY_BOUND_MS} ms`)),
          RECOVERY_BOUND_MS,
        );
        let seen = acks.length;
        const check = (): void => {
          for (; seen < acks.length; seen++) {
            if (matches(acks[seen]!)) {
              clearTimeout(timer);
              ackWaiter = undefined;
              resolve(acks[seen]!);
              return;
            }
          }
          ackWaiter = check;
        };
        check();
      });
    const writers = Array.from({ length: WRITERS }, writer);
    const recoveries: number[] = [];
    try {
      await nextAck(() => true, 'first commit');
      for (let kill = 0; kill < KILLS; kill++) {
        // The leader is whoever acknowledged the latest put (a put is answered by the leader only).
        const leader = (await nextAck(() => true, 'commit before the kill')).nodeId;
        const killedAt = Date.now();
        await cluster.kill(leader);
        const first = await nextAck(
          (ack) => ack.atMs >= killedAt && ack.nodeId !== leader,
          'commit after the kill',
        );
        recoveries.push(first.atMs - killedAt);
        await cluster.startNode(leader);
      }
      stopping = true;
      await Promise.all(writers);
      assert.equal(recoveries.length, KILLS);

      // Every acknowledged put must read back (a read-index get at the current leader).
      for (let i = 0; i < acks.length; i += 200) {
        const batch = acks.slice(i, i + 200);
        const values = await Promise.all(
          batch.map((ack) => client.get(Buffer.from(ack.key), Date.now() + RECOVERY_BOUND_MS)),
        );
        for (const [j, answer] of values.entries()) {
          assert.equal(
            answer.response.value?.toString(),
            batch[j]!.value,
            `acknowledged ${batch[j]!.key} lost`,
          );
        }
      }
      const sorted = [...recoveries].sort((a, b) => a - b);
      console.log(
        `raft leader kill: ${KILLS} kills, ${acks.length} acknowledged puts, none lost; kill → first new commit ` +
          `p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted.at(-1)} ms ` +
          `(election timeout 300 ms)`,
      );
    } finally {
      stopping = true;
      await Promise.allSettled(writers);
      client.close();
      await cluster.close();
    }
  });
});
