// Seeded random driver of the classic protocol: clients join (KIP-394), sync, heartbeat, commit, leave, crash
// and time advances while writes are confirmed late. After every step: members of one generation never own
// the same partition, the coordinator's Stable assignments are disjoint, every acknowledged commit is fetched
// back, and at the end a replay of the written records rebuilds the same groups and offsets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../protocol/index.js';
import { SeededRandom } from '../../testing/index.js';
import { GroupHarness } from './group-harness.test-support.js';
import { loadGroupCoordinator } from './group-loader.js';
import { groupMetadataRecord } from './group-store-records.js';

const PARTITIONS = 6;

interface Client {
  memberId: string;
  generation: number;
  phase: 'joining' | 'syncing' | 'stable' | 'crashed';
  request: number;
  owned: number[];
}

function assign(memberIds: string[]): Array<[string, string]> {
  return memberIds.map((id, i) => {
    const mine: number[] = [];
    for (let p = i; p < PARTITIONS; p += memberIds.length) mine.push(p);
    return [id, JSON.stringify(mine)];
  });
}

describe('classic group model', () => {
  it('random joins, leaves, crashes, heartbeats, commits and ticks keep the invariants', () => {
    let stableSteps = 0;
    let commits = 0;
    let generations = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const random = new SeededRandom(seed);
      const h = new GroupHarness({ groupInitialRebalanceDelayMs: random.chance(0.5) ? 0 : 1_000 });
      const clients: Client[] = [];
      const acknowledged = new Map<number, bigint>();
      const pendingCommits = new Map<number, [number, bigint]>();
      let nextOffset = 1n;
      const rejoin = (c: Client) => {
        c.owned = [];
        c.phase = 'joining';
        c.request = h.join({
          groupId: 'g',
          memberId: c.memberId,
          sessionTimeoutMs: 10_000,
          rebalanceTimeoutMs: 20_000,
        });
      };
      for (let step = 0; step < 400; step++) {
        h.autoConfirm = random.chance(0.7);
        const roll = random.nextInt(12);
        const live = clients.filter((c) => c.phase !== 'crashed');
        if (roll === 0 && clients.length < 8) {
          const first = h.joinResponse(h.join({ groupId: 'g', sessionTimeoutMs: 10_000 }));
          if (first?.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
            const c: Client = {
              memberId: first.memberId,
              generation: -1,
              phase: 'joining',
              request: 0,
              owned: [],
            };
            clients.push(c);
            rejoin(c);
          }
        } else if (roll === 1 && live.length > 0) {
          random.pick(live).phase = 'crashed';
        } else if (roll === 2 && live.length > 0) {
          const c = random.pick(live);
          const requestId = h.nextRequestId();
          h.coordinator.leaveGroup(
            { groupId: 'g', memberId: c.memberId, members: [] },
            { requestId, version: 2 },
            h.nowMs,
          );
          h.pump();
          c.phase = 'crashed';
        } else if (roll === 3) {
          h.advance(random.between(1, 12_000));
        } else if (roll === 4) {
          h.confirmAll();
          h.pump();
        } else if (live.length > 0) {
          const c = random.pick(live);
          if (c.phase === 'stable') {
            const { errorCode } = h.coordinator.heartbeat(
              { groupId: 'g', generationId: c.generation, memberId: c.memberId, groupInstanceId: null },
              h.nowMs,
            );
            if (errorCode === ErrorCode.REBALANCE_IN_PROGRESS) rejoin(c);
            else if (errorCode !== ErrorCode.NONE) c.phase = 'crashed';
            else if (c.owned.length > 0 && random.chance(0.5)) {
              const partition = random.pick(c.owned);
              const offset = nextOffset++;
              const requestId = h.commit(
                { groupId: 'g', generationIdOrMemberEpoch: c.generation, memberId: c.memberId },
                [['t', partition, offset]],
              );
              pendingCommits.set(requestId, [partition, offset]);
            }
          }
        }
        h.advance(random.between(0, 500));
        for (const c of clients) {
          const join = c.phase === 'joining' ? h.joinResponse(c.request) : undefined;
          if (join !== undefined) {
            if (join.errorCode !== ErrorCode.NONE) {
              c.phase = 'crashed';
              continue;
            }
            c.generation = join.generationId;
            c.phase = 'syncing';
            const plan = join.leader === c.memberId ? assign(join.members.map((m) => m.memberId)) : [];
            c.request = h.sync('g', c.generation, c.memberId, plan);
          }
          const sync = c.phase === 'syncing' ? h.syncResponse(c.request) : undefined;
          if (sync !== undefined) {
            if (sync.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) rejoin(c);
            else if (sync.errorCode !== ErrorCode.NONE) c.phase = 'crashed';
            else {
              c.phase = 'stable';
              c.owned =
                sync.assignment.length > 0 ? (JSON.parse(sync.assignment.toString()) as number[]) : [];
            }
          }
        }
        for (const [requestId, [partition, offset]] of pendingCommits) {
          const reply = h.replies.get(requestId);
          if (reply === undefined) continue;
          pendingCommits.delete(requestId);
          if (
            reply.api === 'offsetCommit' &&
            reply.response.topics[0]?.partitions[0]?.errorCode === ErrorCode.NONE
          ) {
            acknowledged.set(partition, offset);
          }
        }
        // Invariant 1: clients of one generation never believe they own the same partition.
        const owners = new Map<string, string>();
        for (const c of clients.filter((x) => x.phase === 'stable')) {
          for (const p of c.owned) {
            const key = `${c.generation}:${p}`;
            assert.ok(
              !owners.has(key),
              `seed=${seed} step=${step}: partition ${p} owned twice in generation ${c.generation}`,
            );
            owners.set(key, c.memberId);
          }
        }
        if (owners.size > 0) stableSteps += 1;
        // Invariant 2: every acknowledged commit is what OffsetFetch returns.
        const fetched = h.coordinator.offsetFetch(
          { groupId: 'g', topics: null, groups: [], requireStable: false },
          7,
        );
        for (const [partition, offset] of acknowledged) {
          const got = fetched.topics[0]?.partitions.find(
            (p) => p.partitionIndex === partition,
          )?.committedOffset;
          assert.ok(
            got !== undefined && got >= offset,
            `seed=${seed} step=${step}: commit of ${partition} lost`,
          );
        }
        // Invariant 3: held responses are bounded by two per member.
        const group = h.coordinator.groups.get('g');
        if (group !== undefined) {
          let held = 0;
          for (const m of group.members.values()) held += (m.pendingJoin ? 1 : 0) + (m.pendingSync ? 1 : 0);
          assert.ok(held <= 2 * group.members.size);
        }
      }
      commits += acknowledged.size;
      generations += h.coordinator.groups.get('g')?.generationId ?? 0;
      h.confirmAll();
      h.pump();
      const loaded = loadGroupCoordinator(h.log, h.coordinator.config, h.coordinator.ports, h.nowMs);
      assert.deepEqual(
        loaded.offsets.list('g'),
        h.coordinator.offsets.list('g'),
        `seed=${seed}: offsets replay`,
      );
      const live = h.coordinator.groups.get('g');
      if (live !== undefined && (live.kind === 'stable' || live.kind === 'empty')) {
        const again = loaded.groups.get('g');
        assert.ok(again !== undefined, `seed=${seed}: group lost on replay`);
        const strip = (r: ReturnType<typeof groupMetadataRecord>) => ({
          ...r,
          value: r.value && { ...r.value, currentStateTimestamp: 0n },
        });
        if (live.kind === 'stable')
          assert.deepEqual(
            strip(groupMetadataRecord(again)),
            strip(groupMetadataRecord(live)),
            `seed=${seed}: group replay`,
          );
      }
    }
    // The driver must actually exercise the protocol, not fail early.
    assert.ok(
      stableSteps > 300 && commits > 25 && generations > 50,
      `${stableSteps} ${commits} ${generations}`,
    );
  });
});
