// Drives three RaftDrivers over fakes (a manual clock with timers, an in-memory network, an in-memory
// "disk" whose writes can be held) and proves the driver's contract: a leader is elected from timer
// ticks alone, proposals from many callers commit and resolve with the state machine's result, no
// acknowledgement leaves before the entries are durable (the leader's appends leave before its own
// write), followers refuse with the leader's id,
// read-index waits for the applied index but not for the write in flight, and stopping or a failed disk rejects what is pending.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../testing/index.js';
import type { LogEntry, NodeId } from '../core/log-entry.js';
import type { RaftMessage } from '../core/raft-message.js';
import { RaftNode } from '../core/raft-node.js';
import type { RaftOptions } from '../core/raft-options.js';
import type { RaftReady } from '../core/raft-ready.js';
import { DriverStoppedError, LeadershipLostError, NotLeaderError } from './driver-errors.js';
import type { HostClock, StateMachine, TimerHandle } from './driver-ports.js';
import { RaftDriver } from './raft-driver.js';

class ManualClock implements HostClock {
  #now = 1_000;
  #timers: { dueMs: number; callback: () => void; cancelled: boolean }[] = [];

  nowMs(): number {
    return this.#now;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer = { dueMs: this.#now + Math.max(0, delayMs), callback, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** Time passes while the event loop is held: timers come due but do not run until advance(). */
  hold(ms: number): void {
    this.#now += ms;
  }

  advance(ms: number): void {
    this.#now += ms;
    const due = this.#timers.filter((t) => !t.cancelled && t.dueMs <= this.#now);
    this.#timers = this.#timers.filter((t) => !t.cancelled && t.dueMs > this.#now);
    for (const timer of due) timer.callback();
  }
}

/** Appends every command to a list; the result of a command is the list length after it. */
class ListMachine implements StateMachine {
  items: string[] = [];
  /** While set, snapshot() answers asynchronously once it settles (with the items of the call). */
  snapshotGate: Promise<void> | undefined;
  /** How many items each snapshot() call saw. */
  readonly snapshotsAsked: number[] = [];
  apply(entry: Extract<LogEntry, { kind: 'command' }>): Uint8Array {
    this.items.push(Buffer.from(entry.data).toString());
    return Buffer.from(String(this.items.length));
  }
  snapshot(): Uint8Array | Promise<Uint8Array> {
    this.snapshotsAsked.push(this.items.length);
    const data = Buffer.from(JSON.stringify(this.items));
    const gate = this.snapshotGate;
    return gate === undefined ? data : gate.then(() => data);
  }
  restore(data: Uint8Array | undefined): void {
    this.items = data === undefined ? [] : (JSON.parse(Buffer.from(data).toString()) as string[]);
  }
}

interface TestNode {
  readonly id: NodeId;
  readonly driver: RaftDriver;
  readonly machine: ListMachine;
  /** What the fake disk holds: entries by index, and the last hard state. */
  readonly durable: Map<number, LogEntry>;
  /** Every message sent, with how many ready()s were durable at that moment. */
  readonly sent: { message: RaftMessage; durableReadies: number }[];
  durableReadies: number;
  /** persist() calls made (writes started, durable or not). */
  writesStarted: number;
  /** While set, writes wait for it. */
  gate: Promise<void> | undefined;
  failWrites: boolean;
  fatal: unknown;
}

/** Messages for which this returns true are lost (a partition). */
let isCut: (message: RaftMessage) => boolean = () => false;

function cluster(
  size = 3,
  raftOptions: Partial<RaftOptions> = {},
): { clock: ManualClock; nodes: TestNode[] } {
  isCut = () => false;
  const clock = new ManualClock();
  const ids = Array.from({ length: size }, (_, i) => i + 1);
  const nodes: TestNode[] = [];
  for (const id of ids) {
    const machine = new ListMachine();
    const raft = new RaftNode(
      { id, bootstrapConfig: { voters: ids, learners: [] }, electionTimeoutMs: 300, ...raftOptions },
      { hardState: { term: 0, votedFor: undefined }, snapshot: undefined, entries: [] },
      new SeededRandom(id),
      clock.nowMs(),
    );
    const node: TestNode = {
      id,
      machine,
      durable: new Map(),
      sent: [],
      durableReadies: 0,
      writesStarted: 0,
      gate: undefined,
      failWrites: false,
      fatal: undefined,
      driver: new RaftDriver({
        node: raft,
        clock,
        stateMachine: machine,
        onFatal: (error) => {
          node.fatal = error;
        },
        persist: async (work: RaftReady) => {
          node.writesStarted++;
          await node.gate;
          if (node.failWrites) throw new Error('disk on fire');
          for (const entry of work.entries) node.durable.set(entry.index, entry);
          node.durableReadies++;
        },
        transport: {
          send: (messages) => {
            for (const message of messages) {
              node.sent.push({ message, durableReadies: node.durableReadies });
              if (isCut(message)) continue;
              queueMicrotask(() => nodes.find((n) => n.id === message.to)?.driver.receive(message));
            }
          },
        },
      }),
    };
    nodes.push(node);
  }
  for (const node of nodes) node.driver.start();
  return { clock, nodes };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function runUntil(clock: ManualClock, condition: () => boolean, what: string): Promise<void> {
  for (let step = 0; step < 500; step++) {
    await settle();
    if (condition()) return;
    clock.advance(10);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Holds `node`'s writes (they wait on its gate); the returned function lets them and later ones go. */
function holdWrites(node: TestNode): () => void {
  let release = (): void => {};
  node.gate = new Promise((resolve) => {
    release = resolve;
  });
  return () => {
    node.gate = undefined;
    release();
  };
}

async function electLeader(clock: ManualClock, nodes: TestNode[]): Promise<TestNode> {
  await runUntil(clock, () => nodes.some((n) => n.driver.status().role === 'leader'), 'a leader');
  return nodes.find((n) => n.driver.status().role === 'leader')!;
}

describe('RaftDriver', () => {
  it('elects a leader from timer ticks and commits proposals from many callers', async () => {
    const { clock, nodes } = cluster();
    const leader = await electLeader(clock, nodes);
    const outcomes = Array.from({ length: 50 }, (_, i) => leader.driver.propose(Buffer.from(`p${i}`)));
    await runUntil(clock, () => nodes.every((n) => n.machine.items.length === 50), 'every node applied 50');
    const results = await Promise.all(outcomes);
    assert.deepEqual(
      results.map((r) => Buffer.from(r.result).toString()),
      results.map((_, i) => String(i + 1)),
      'each proposal resolves with its own apply result, in order',
    );
    for (const node of nodes) assert.deepEqual(node.machine.items, leader.machine.items);
    await Promise.all(nodes.map((n) => n.driver.stop()));
  });

  it("sends the leader's entries and answers once the followers hold them, while its own write is held", async () => {
    const { clock, nodes } = cluster();
    const leader = await electLeader(clock, nodes);
    await runUntil(clock, () => leader.driver.status().commitIndex >= 1, 'the no-op committed');
    const release = holdWrites(leader);
    const sentBefore = leader.sent.length;
    let resolved = false;
    const proposal = leader.driver.propose(Buffer.from('held')).then((outcome) => {
      resolved = true;
      return outcome;
    });
    await settle();
    const appends = leader.sent
      .slice(sentBefore)
      .filter((s) => s.message.kind === 'append' && s.message.entries.length > 0);
    assert.equal(appends.length, 2, 'one append per follower while the leader write is held');
    // The followers' durable copies commit it: the leader applies and answers while its own copy is
    // still on its way to its disk (a majority holds it durably; the leader's state machine is volatile).
    await runUntil(clock, () => resolved, 'answered once committed by the followers');
    assert.equal(leader.driver.status().stableIndex, 1, "the leader's write is still held");
    assert.ok(leader.driver.status().commitIndex >= 2);
    assert.deepEqual(leader.machine.items, ['held']);
    assert.ok(!leader.durable.has(2));
    release();
    await runUntil(clock, () => nodes.every((n) => n.machine.items.includes('held')), 'the entry applied');
    await proposal;
    for (const node of nodes) {
      for (const { message, durableReadies } of node.sent) {
        if (message.kind === 'appendResponse' && message.success) {
          assert.ok(
            node.durable.has(message.matchIndex) || message.matchIndex === 0,
            'acknowledged entries are durable',
          );
          assert.ok(durableReadies > 0);
        }
      }
    }
    await Promise.all(nodes.map((n) => n.driver.stop()));
  });

  it('with maxInflightWrites 2 a follower starts its next write beside a held one when enough waits or it is old, and acks in order', async () => {
    const { clock, nodes } = cluster(3, { maxInflightWrites: 2 });
    const leader = await electLeader(clock, nodes);
    await runUntil(
      clock,
      () => nodes.every((n) => n.driver.status().commitIndex >= 1),
      'the no-op committed',
    );
    const follower = nodes.find((n) => n !== leader)!;
    const release = holdWrites(follower);
    const started = follower.writesStarted;
    const sentBefore = follower.sent.length;
    const first = ['a1', 'a2', 'a3'].map((text) => leader.driver.propose(Buffer.from(text)));
    await settle();
    assert.equal(follower.writesStarted - started, 1, 'one write of three entries, held');
    const b = leader.driver.propose(Buffer.from('b'));
    await settle();
    assert.equal(follower.writesStarted - started, 1, 'one entry waiting behind three keeps batching');
    clock.advance(1);
    await settle();
    assert.equal(follower.writesStarted - started, 1);
    clock.advance(1); // the held write is now pipelineAfterMs (2 ms) old
    await settle();
    assert.equal(follower.writesStarted - started, 2, 'the second write started while the first is held');
    const acks = () =>
      follower.sent
        .slice(sentBefore)
        .flatMap((s) =>
          s.message.kind === 'appendResponse' && s.message.success ? [s.message.matchIndex] : [],
        );
    assert.deepEqual(acks(), [], 'nothing acknowledged before it is durable');
    await Promise.all([...first, b]); // the other follower's copies commit them
    release();
    await runUntil(clock, () => acks().includes(5), 'the held follower acknowledged both');
    assert.deepEqual(acks(), [4, 5], 'one acknowledgement per write, in order');
    await Promise.all(nodes.map((n) => n.driver.stop()));
  });

  it('with maxInflightWrites 2 one entry behind a held write of one goes to disk at once', async () => {
    const { clock, nodes } = cluster(3, { maxInflightWrites: 2 });
    const leader = await electLeader(clock, nodes);
    await runUntil(
      clock,
      () => nodes.every((n) => n.driver.status().commitIndex >= 1),
      'the no-op committed',
    );
    const follower = nodes.find((n) => n !== leader)!;
    const release = holdWrites(follower);
    const started = follower.writesStarted;
    const a = leader.driver.propose(Buffer.from('a'));
    await settle();
    const b = leader.driver.propose(Buffer.from('b'));
    await settle();
    assert.equal(follower.writesStarted - started, 2, 'as many waiting as in flight: the next write starts');
    await Promise.all([a, b]);
    release();
    await runUntil(clock, () => follower.driver.status().stableIndex >= 3, 'both durable');
    await Promise.all(nodes.map((n) => n.driver.stop()));
  });

  it('a follower held past its election deadline steps the waiting leader message before its timer', async () => {
    const { clock, nodes } = cluster();
    const leader = await electLeader(clock, nodes);
    await runUntil(
      clock,
      () => nodes.every((n) => n.machine.items.length === 0 && n.driver.status().commitIndex >= 1),
      'the no-op committed everywhere',
    );
    const follower = nodes.find((n) => n !== leader)!;
    const sentBefore = follower.sent.length;
    // The follower's loop was busy for two election timeouts (its deadline lies within one of 300-600
    // ms); meanwhile the leader's heartbeat arrived and waits to be read.
    clock.hold(1_200);
    const { term, commitIndex } = leader.driver.status();
    follower.driver.receive({
      kind: 'heartbeat',
      from: leader.id,
      to: follower.id,
      term,
      leaderCommit: commitIndex,
      readSeq: 0,
    });
    clock.advance(0);
    await settle();
    assert.equal(follower.driver.status().role, 'follower');
    assert.equal(follower.driver.status().leaderId, leader.id);
    const campaigned = follower.sent.slice(sentBefore).filter((s) => s.message.kind === 'preVote');
    assert.deepEqual(campaigned, [], 'no pre-vote against a leader it hears');
    await Promise.all(nodes.map((n) => n.driver.stop()));
  });

  it('a follower refuses proposals with the leader id and fails read-index', async () => {
    const { clock, nodes } = cluster();
    const leader = await electLeader(clock, nodes);
    await runUntil(
      clock,
      () => nodes.every((n) => n.driver.status().leaderId === leader.id),
      'followers know the leader',
    );
    const follower = nodes.find((n) => n !== leader)!;
    await assert.rejects(follower.driver.propose(Buffer.from('x')), (error: unknown) => {
      assert.ok(error instanceof NotLeaderError);
      assert.equal(error.leaderId, leader.id);
      return true;
    });
    const read = assert.rejects(follower.driver.readIndex(), /read index failed: notLeader/);
    await runUntil(clock, () => true, 'a step');
    await read;
    await Promise.all(nodes.map((n) => n.driver.stop()));
  });

  it('read-index resolves only once every write acknowledged before it is applied', async () => {
    const { clock, nodes } = cluster();
    const leader = await electLeader(clock, nodes);
    await leader.driver.propose(Buffer.from('warm-up')).catch(() => undefined);
    await runUntil(clock, () => leader.machine.items.length === 1, 'warm-up applied');
    const write = leader.driver.propose(Buffer.from('w1'));
    await runUntil(clock, () => leader.machine.items.includes('w1'), 'w1 applied');
    await write;
    let readAt: number | undefined;
    const read = leader.driver.readIndex().then((index) => {
      readAt = index;
      assert.ok(leader.machine.items.includes('w1'), 'the state machine holds the acknowledged write');
    });
    await runUntil(clock, () => readAt !== undefined, 'the read');
    await read;
    assert.ok(readAt! >= 3, 'index covers noop, warm-up and w1');
    await Promise.all(nodes.map((n) => n.driver.stop()));
  });

  it("answers read-index while the leader's write is held (a read does not wait for the write in flight)", async () => {
    const { clock, nodes } = cluster();
    const leader = await electLeader(clock, nodes);
    await runUntil(clock, () => leader.driver.status().commitIndex >= 1, 'the no-op committed');
    const release = holdWrites(leader);
    const write = leader.driver.propose(Buffer.from('w1'));
    await runUntil(clock, () => leader.machine.items.includes('w1'), 'w1 committed by the followers');
    await write;
    let readAt: number | undefined;
    const read = leader.driver.readIndex().then((index) => {
      readAt = index;
    });
    await runUntil(clock, () => readAt !== undefined, 'the read, with the leader write still held');
    await read;
    assert.equal(leader.driver.status().stableIndex, 1, "the leader's write of w1 is still held");
    assert.ok(readAt! >= 2, 'the read index covers w1');
    release();
    await runUntil(clock, () => leader.driver.status().stableIndex >= 2, 'the write completed');
    await Promise.all(nodes.map((n) => n.driver.stop()));
  });

  it('compacts by size and brings a cut-off follower back with a snapshot', async () => {
    const { clock, nodes } = cluster(3, { snapshotThresholdBytes: 2_000, snapshotChunkBytes: 700 });
    const leader = await electLeader(clock, nodes);
    const lagging = nodes.find((n) => n !== leader)!;
    isCut = (message) => message.to === lagging.id || message.from === lagging.id;
    const proposals = Array.from({ length: 300 }, (_, i) => leader.driver.propose(Buffer.from(`entry-${i}`)));
    await Promise.all(proposals);
    await runUntil(clock, () => leader.driver.status().snapshotIndex > 0, 'the leader compacted');
    assert.equal(lagging.machine.items.length, 0);
    isCut = () => false;
    await runUntil(clock, () => lagging.machine.items.length === 300, 'the follower caught up');
    assert.ok(lagging.driver.status().snapshotIndex > 0, 'it was brought up by a snapshot');
    assert.deepEqual(lagging.machine.items, leader.machine.items);
    const more = leader.driver.propose(Buffer.from('after'));
    await runUntil(clock, () => lagging.machine.items.at(-1) === 'after', 'replication after the snapshot');
    await more;
    await Promise.all(nodes.map((n) => n.driver.stop()));
  });

  it('keeps committing while an asynchronous snapshot is taken, then compacts at the index it was asked at', async () => {
    const { clock, nodes } = cluster(3, { snapshotThresholdBytes: 2_000 });
    const leader = await electLeader(clock, nodes);
    let release = (): void => {};
    leader.machine.snapshotGate = new Promise((resolve) => {
      release = resolve;
    });
    await Promise.all(
      Array.from({ length: 150 }, (_, i) => leader.driver.propose(Buffer.from(`entry-${i}`))),
    );
    await runUntil(clock, () => leader.machine.snapshotsAsked.length > 0, 'the leader asked for a snapshot');
    const askedAt = leader.driver.status().snapshotIndex;
    assert.equal(askedAt, 0, 'nothing compacted while the snapshot is being taken');
    const itemsAtAsk = leader.machine.snapshotsAsked[0]!;
    await Promise.all(Array.from({ length: 50 }, (_, i) => leader.driver.propose(Buffer.from(`later-${i}`))));
    assert.equal(leader.machine.items.length, 200, 'proposals commit and apply meanwhile');
    assert.equal(leader.machine.snapshotsAsked.length, 1, 'asked once while one is in progress');
    leader.machine.snapshotGate = new Promise(() => {}); // later snapshots stay held
    release();
    await runUntil(clock, () => leader.driver.status().snapshotIndex > 0, 'the leader compacted');
    assert.ok(itemsAtAsk < 200);
    // Index 1 is the leader's no-op: the snapshot covers it and the items applied when it was asked.
    assert.equal(leader.driver.status().snapshotIndex, 1 + itemsAtAsk);
    await Promise.all(nodes.map((n) => n.driver.stop()));
  });

  it('a state machine that fails to snapshot stops the node, unless the driver was stopped already', async () => {
    for (const stopFirst of [false, true]) {
      const { clock, nodes } = cluster(3, { snapshotThresholdBytes: 2_000 });
      const leader = await electLeader(clock, nodes);
      let fail = (_error: Error): void => {};
      leader.machine.snapshotGate = new Promise((_resolve, reject) => {
        fail = reject;
      });
      await Promise.all(Array.from({ length: 150 }, (_, i) => leader.driver.propose(Buffer.from(`e${i}`))));
      await runUntil(
        clock,
        () => leader.machine.snapshotsAsked.length > 0,
        'the leader asked for a snapshot',
      );
      if (stopFirst) await Promise.all(nodes.map((n) => n.driver.stop()));
      fail(new Error('out of memory'));
      await settle();
      if (stopFirst) {
        assert.equal(leader.fatal, undefined, 'a stopped driver reports nothing');
        continue;
      }
      assert.match(String(leader.fatal), /out of memory/);
      await assert.rejects(leader.driver.propose(Buffer.from('after')), DriverStoppedError);
      await Promise.all(nodes.map((n) => n.driver.stop()));
    }
  });

  it('fails the proposals of a deposed leader as soon as it steps down, not when its index commits', async () => {
    const { clock, nodes } = cluster();
    const old = await electLeader(clock, nodes);
    await runUntil(
      clock,
      () => nodes.every((n) => n.machine.items.length === 0 && n.driver.status().commitIndex >= 1),
      'noop committed',
    );
    isCut = (message) => message.from === old.id || message.to === old.id;
    let failure: unknown;
    old.driver.propose(Buffer.from('doomed')).then(
      () => assert.fail('a cut-off leader cannot commit'),
      (error: unknown) => {
        failure = error;
      },
    );
    // Check-quorum deposes the cut-off leader; its proposal fails then, while the cut still holds and
    // nothing committed at its index anywhere.
    await runUntil(clock, () => old.driver.status().role !== 'leader', 'the old leader stepped down');
    await settle();
    assert.ok(failure instanceof LeadershipLostError, `got ${String(failure)}`);
    assert.ok(failure instanceof NotLeaderError, 'clients retry it like NOT_LEADER_OR_FOLLOWER');
    const others = nodes.filter((n) => n !== old);
    await runUntil(clock, () => others.some((n) => n.driver.status().role === 'leader'), 'a new leader');
    const next = others.find((n) => n.driver.status().role === 'leader')!;
    const winner = next.driver.propose(Buffer.from('winner'));
    await runUntil(clock, () => next.machine.items.includes('winner'), 'the new leader committed');
    await winner;
    isCut = () => false;
    await runUntil(clock, () => old.machine.items.includes('winner'), 'the old leader caught up');
    assert.ok(!old.machine.items.includes('doomed'));
    await Promise.all(nodes.map((n) => n.driver.stop()));
  });

  it('stop and a failing disk reject pending proposals', async () => {
    const { clock, nodes } = cluster();
    const leader = await electLeader(clock, nodes);
    leader.failWrites = true;
    const failing = assert.rejects(leader.driver.propose(Buffer.from('lost')), DriverStoppedError);
    await runUntil(clock, () => leader.fatal !== undefined, 'the fatal storage error');
    await failing;
    assert.match(String(leader.fatal), /disk on fire/);
    await assert.rejects(leader.driver.propose(Buffer.from('after')), DriverStoppedError);
    const other = nodes.find((n) => n !== leader)!;
    await Promise.all(nodes.map((n) => n.driver.stop()));
    await assert.rejects(other.driver.propose(Buffer.from('x')), DriverStoppedError);
  });
});
