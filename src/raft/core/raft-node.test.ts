// Proves RaftNode's contract message by message, without a simulator: votes survive restarts, work is
// handed out only through ready()/advance(), proposals are batched and pipelined, rejections carry
// conflict hints, and learners never count towards commit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../testing/index.js';
import { SimDisk } from '../sim/sim-disk.js';
import { RaftUsageError } from './assert.js';
import type { ClusterConfig, PersistedState } from './log-entry.js';
import type { RaftMessage } from './raft-message.js';
import { RaftNode } from './raft-node.js';
import type { RaftOptionsInput } from './raft-options.js';

const CONFIG: ClusterConfig = { voters: [1, 2, 3], learners: [] };
const EMPTY: PersistedState = {
  hardState: { term: 0, votedFor: undefined },
  snapshot: undefined,
  entries: [],
};

function node(
  id: number,
  persisted = EMPTY,
  options: Partial<RaftOptionsInput> = {},
  config = CONFIG,
): RaftNode {
  return new RaftNode(
    { id, bootstrapConfig: config, electionTimeoutMs: 100, heartbeatIntervalMs: 20, ...options },
    persisted,
    new SeededRandom(id),
    0,
  );
}

const disks = new WeakMap<RaftNode, SimDisk>();

/** Does all pending work: persists to the node's disk, returns the messages, advances. */
function drain(raft: RaftNode, disk = diskOf(raft)): RaftMessage[] {
  const messages: RaftMessage[] = [];
  for (let round = 0; round < 10 && raft.hasReady(); round++) {
    const work = raft.ready();
    disk.write(work);
    messages.push(...work.messages);
    raft.advance(work);
  }
  return messages;
}

function diskOf(raft: RaftNode): SimDisk {
  let disk = disks.get(raft);
  if (disk === undefined) {
    disk = new SimDisk();
    disks.set(raft, disk);
  }
  return disk;
}

function only<K extends RaftMessage['kind']>(
  messages: RaftMessage[],
  kind: K,
): Extract<RaftMessage, { kind: K }>[] {
  return messages.filter((message): message is Extract<RaftMessage, { kind: K }> => message.kind === kind);
}

/** Node 2, following node 1 in term 1, holding the uncommitted no-ops 1..count of term 1. */
function followerHolding(count: number): RaftNode {
  const follower = node(2);
  follower.receive({
    kind: 'append',
    from: 1,
    to: 2,
    term: 1,
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: Array.from({ length: count }, (_, i) => ({ kind: 'noop' as const, index: i + 1, term: 1 })),
    leaderCommit: 0,
  });
  drain(follower);
  return follower;
}

/** Elects node 1 leader of term 1 with the votes of 2 and 3 and returns everything around it. */
function electLeader(options: Partial<RaftOptionsInput> = {}, config = CONFIG) {
  const leader = node(1, EMPTY, options, config);
  const followers = new Map(
    config.voters.filter((id) => id !== 1).map((id) => [id, node(id, EMPTY, options, config)]),
  );
  for (const learner of config.learners) followers.set(learner, node(learner, EMPTY, options, config));
  leader.tick(1000); // election timer fired: pre-vote
  for (const preVote of only(drain(leader), 'preVote')) {
    followers.get(preVote.to)!.receive(preVote);
    for (const response of drain(followers.get(preVote.to)!)) leader.receive(response);
  }
  for (const vote of only(drain(leader), 'vote')) {
    followers.get(vote.to)!.receive(vote);
    for (const response of drain(followers.get(vote.to)!)) leader.receive(response);
  }
  assert.equal(leader.status().role, 'leader');
  return { leader, followers };
}

/** Delivers messages back and forth until quiet (bounded). */
function exchange(nodes: Map<number, RaftNode>, first: RaftMessage[]): RaftMessage[] {
  const all: RaftMessage[] = [];
  let pending = first;
  for (let round = 0; round < 50 && pending.length > 0; round++) {
    all.push(...pending);
    const next: RaftMessage[] = [];
    for (const message of pending) {
      const target = nodes.get(message.to);
      if (target === undefined) continue;
      target.receive(message);
      next.push(...drain(target));
    }
    pending = next;
  }
  return all;
}

/** Delivers a leader's appends to its followers, which persist and answer; the leader only receives. */
function acknowledgeWithoutDraining(
  leader: RaftNode,
  followers: Map<number, RaftNode>,
  appends: readonly RaftMessage[],
): void {
  for (const append of appends) {
    const follower = followers.get(append.to)!;
    follower.receive(append);
    for (const reply of drain(follower)) leader.receive(reply);
  }
}

describe('RaftNode', () => {
  it('votes at most once per term, even after a restart from its persisted state', () => {
    const disk = new SimDisk();
    const voter = node(1);
    voter.receive({
      kind: 'vote',
      from: 2,
      to: 1,
      term: 1,
      lastLogIndex: 0,
      lastLogTerm: 0,
      isTransfer: false,
    });
    const work = voter.ready();
    assert.deepEqual(work.hardState, { term: 1, votedFor: 2 }, 'the vote is persisted in the same ready');
    assert.deepEqual(
      work.messages.map((m) => m.kind === 'voteResponse' && m.granted),
      [true],
    );
    disk.write(work);
    voter.advance(work);

    const restarted = node(1, disk.recover());
    restarted.receive({
      kind: 'vote',
      from: 3,
      to: 1,
      term: 1,
      lastLogIndex: 5,
      lastLogTerm: 1,
      isTransfer: false,
    });
    const [response] = drain(restarted);
    assert.equal(response?.kind === 'voteResponse' && response.granted, false);
  });

  it("of two simultaneous pre-candidates with equal logs only the lower id gets the other one's pre-vote", () => {
    const one = node(1);
    const two = node(2);
    one.tick(1000);
    two.tick(1000);
    const fromOne = only(drain(one), 'preVote').find((m) => m.to === 2)!;
    const fromTwo = only(drain(two), 'preVote').find((m) => m.to === 1)!;
    one.receive(fromTwo);
    two.receive(fromOne);
    const toTwo = only(drain(one), 'preVoteResponse');
    const toOne = only(drain(two), 'preVoteResponse');
    assert.deepEqual(
      toTwo.map((m) => m.granted),
      [false],
      'node 1 ranks above node 2: it does not help it split the vote',
    );
    assert.deepEqual(
      toOne.map((m) => m.granted),
      [true],
    );
    one.receive(toOne[0]!);
    assert.equal(one.status().role, 'candidate');
    two.receive(toTwo[0]!);
    assert.equal(two.status().role, 'preCandidate', 'one refusal of three is no decision');
    // Node 1's vote request (term 1) reaches node 2, which votes for it.
    const vote = only(drain(one), 'vote').find((m) => m.to === 2)!;
    two.receive(vote);
    assert.deepEqual(
      only(drain(two), 'voteResponse').map((m) => m.granted),
      [true],
    );
  });

  it('a follower without a leader that refuses a pre-vote for a shorter log pre-campaigns itself at once', () => {
    const ahead = followerHolding(3); // node 2, following node 1 in term 1
    ahead.tick(100); // node 1 silent for the election timeout (100 ms): no lease, its own timer not due
    assert.equal(ahead.status().role, 'follower');
    const behind: RaftMessage = { kind: 'preVote', from: 3, to: 2, term: 2, lastLogIndex: 1, lastLogTerm: 1 };
    ahead.receive(behind);
    const sent = drain(ahead);
    assert.deepEqual(
      only(sent, 'preVoteResponse').map((m) => m.granted),
      [false],
    );
    assert.equal(ahead.status().role, 'preCandidate');
    assert.deepEqual(
      only(sent, 'preVote').map((m) => m.to),
      [1, 3],
    );
    // While it still hears its leader, it just refuses.
    const loyal = followerHolding(3);
    loyal.tick(50);
    loyal.receive(behind);
    assert.deepEqual(
      drain(loyal).map((m) => m.kind),
      ['preVoteResponse'],
    );
    assert.equal(loyal.status().role, 'follower');
  });

  it('refuses a vote to a candidate whose log is behind (§5.4.1)', () => {
    const { leader } = electLeader();
    leader.propose(new Uint8Array(4));
    drain(leader);
    const voter = node(9, { hardState: { term: 1, votedFor: undefined }, snapshot: undefined, entries: [] });
    // A node holding entries of term 1 will not vote for a candidate with an empty log.
    voter.receive({
      kind: 'append',
      from: 1,
      to: 9,
      term: 1,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [{ kind: 'noop', index: 1, term: 1 }],
      leaderCommit: 0,
    });
    drain(voter);
    voter.receive({
      kind: 'vote',
      from: 2,
      to: 9,
      term: 2,
      lastLogIndex: 0,
      lastLogTerm: 0,
      isTransfer: true,
    });
    const [response] = only(drain(voter), 'voteResponse');
    assert.equal(response?.granted, false);
    assert.equal(voter.status().term, 2);
  });

  it('hands out work only through ready()/advance(), one ready at a time', () => {
    const raft = node(1);
    raft.tick(1000);
    assert.equal(raft.hasReady(), true);
    const work = raft.ready();
    assert.equal(raft.hasReady(), false);
    assert.throws(() => raft.ready(), RaftUsageError);
    assert.throws(() => raft.advance({ ...work }), RaftUsageError);
    raft.advance(work);
  });

  it('pipelines writes up to maxInflightWrites: the next append goes to storage while one is in flight', () => {
    const append = (prev: number, from: number, to: number, leaderCommit: number): RaftMessage => ({
      kind: 'append',
      from: 1,
      to: 2,
      term: 1,
      prevLogIndex: prev,
      prevLogTerm: prev === 0 ? 0 : 1,
      entries: Array.from({ length: to - from + 1 }, (_, i) => ({
        kind: 'command' as const,
        index: from + i,
        term: 1,
        data: new Uint8Array([from + i]),
      })),
      leaderCommit,
    });
    const serial = node(2);
    serial.receive(append(0, 1, 2, 0));
    serial.ready();
    serial.receive(append(2, 3, 3, 0));
    assert.equal(serial.hasReady(), false, 'by default one write at a time');

    const follower = node(2, EMPTY, { maxInflightWrites: 2 });
    follower.receive(append(0, 1, 2, 2));
    const first = follower.ready();
    assert.deepEqual(first.hardState, { term: 1, votedFor: undefined });
    assert.deepEqual(
      first.committed.map((e) => e.index),
      [1, 2],
    );
    follower.receive(append(2, 3, 3, 3));
    assert.equal(follower.hasReady(), true, 'a second write may start while the first is in flight');
    const second = follower.ready();
    assert.equal(second.hardState, undefined, 'the term is already on its way to disk in the first');
    assert.deepEqual(
      second.entries.map((e) => e.index),
      [3],
    );
    assert.deepEqual(second.committed, [], 'committed entries stay for the first ready / takeCommitted');
    assert.deepEqual(follower.takeCommitted(), [], 'the first ready still carries committed entries');
    const acks = (work: typeof first) =>
      work.messages.flatMap((m) => (m.kind === 'appendResponse' && m.success ? [m.matchIndex] : []));
    assert.deepEqual(acks(first), [2]);
    assert.deepEqual(acks(second), [3], 'each acknowledgement travels with the write that makes it durable');
    follower.receive(append(3, 4, 4, 3));
    assert.equal(follower.hasReady(), false, 'no third write while two are in flight');
    assert.throws(() => follower.ready(), RaftUsageError);
    assert.throws(() => follower.advance(second), RaftUsageError, 'writes complete in order');
    assert.equal(follower.status().stableIndex, 0);
    follower.advance(first);
    assert.equal(follower.status().stableIndex, 2);
    assert.equal(follower.status().appliedIndex, 2);
    assert.deepEqual(
      follower.takeCommitted().map((e) => e.index),
      [3],
      'committed while the second write runs: applied before it is durable here',
    );
    const third = follower.ready();
    follower.advance(second);
    assert.equal(follower.status().stableIndex, 3);
    follower.advance(third);
    assert.equal(follower.status().stableIndex, 4);
  });

  it('a truncation lowers what every write in flight makes stable', () => {
    const append = (prev: number, prevTerm: number, term: number, from: number, to: number): RaftMessage => ({
      kind: 'append',
      from: 1,
      to: 2,
      term,
      prevLogIndex: prev,
      prevLogTerm: prevTerm,
      entries: Array.from({ length: to - from + 1 }, (_, i) => ({
        kind: 'command' as const,
        index: from + i,
        term,
        data: new Uint8Array([term, from + i]),
      })),
      leaderCommit: 0,
    });
    const follower = node(2, EMPTY, { maxInflightWrites: 3 });
    follower.receive(append(0, 0, 1, 1, 3));
    const first = follower.ready();
    follower.receive(append(3, 1, 1, 4, 5));
    const second = follower.ready();
    // A new leader of term 2 overwrites from index 3 while both writes are in flight.
    follower.receive({ ...append(2, 1, 2, 3, 3), from: 3 });
    const third = follower.ready();
    assert.deepEqual(
      third.entries.map((e) => [e.index, e.term]),
      [[3, 2]],
    );
    follower.advance(first);
    assert.equal(follower.status().stableIndex, 2, 'entry 3 of term 1 is being overwritten: not stable');
    follower.advance(second);
    assert.equal(follower.status().stableIndex, 2, 'entries 4-5 of term 1 are gone');
    follower.advance(third);
    assert.equal(follower.status().stableIndex, 3);
    assert.equal(follower.status().lastIndex, 3);
  });

  it('a follower refuses proposals and names the leader it knows', () => {
    const { leader, followers } = electLeader();
    exchange(new Map<number, RaftNode>([[1, leader], ...followers]), drain(leader));
    const follower = followers.get(2)!;
    assert.deepEqual(follower.propose(new Uint8Array(4)), { ok: false, reason: 'notLeader', leaderId: 1 });
  });

  it('batches proposals into one append per follower, then pipelines within the in-flight window', () => {
    const { leader, followers } = electLeader({ maxAppendEntries: 5, maxInflightAppends: 3 });
    const nodes = new Map<number, RaftNode>([[1, leader], ...followers]);
    exchange(nodes, drain(leader)); // the no-op commits; followers are now in pipeline mode
    for (let i = 0; i < 4; i++) leader.propose(new Uint8Array(4));
    const batched = only(drain(leader), 'append');
    assert.deepEqual(
      batched.map((m) => m.entries.length),
      [4, 4],
      'four proposals, one append per follower',
    );
    for (let i = 0; i < 30; i++) leader.propose(new Uint8Array(4));
    const pipelined = only(drain(leader), 'append').filter((m) => m.to === 2);
    assert.deepEqual(
      pipelined.map((m) => m.entries.length),
      [5, 5],
      'at most 5 entries per append; the batch of 4 is still in flight, so 2 more fill the window of 3',
    );
    exchange(nodes, [...batched, ...pipelined]);
  });

  it('keeps one small append per burst of proposals in flight well past 8 by default (a slow follower fsync does not stop its appends)', () => {
    const { leader, followers } = electLeader();
    const nodes = new Map<number, RaftNode>([[1, leader], ...followers]);
    exchange(nodes, drain(leader)); // the no-op commits; followers pipeline
    // One proposal per millisecond, each sent at once, while the followers answer nothing (their fsyncs
    // run): with a window of 8, proposals 9..40 waited at the leader for an acknowledgement.
    const sent: number[] = [];
    for (let i = 0; i < 40; i++) {
      leader.propose(new Uint8Array(100));
      for (const message of only(leader.takeEarlyMessages(), 'append'))
        if (message.to === 2) sent.push(message.entries.length);
    }
    assert.deepEqual(sent, Array(40).fill(1), 'every proposal left for node 2 in its own append');
    drain(leader);
  });

  it('acknowledges the appends received before one write once, with the highest index', () => {
    const follower = node(2);
    const append = (prevLogIndex: number): RaftMessage => ({
      kind: 'append',
      from: 1,
      to: 2,
      term: 1,
      prevLogIndex,
      prevLogTerm: prevLogIndex === 0 ? 0 : 1,
      entries: [{ kind: 'noop', index: prevLogIndex + 1, term: 1 }],
      leaderCommit: 0,
    });
    for (let i = 0; i < 3; i++) follower.receive(append(i));
    follower.receive(append(1)); // a duplicate of the second arriving late
    const acks = only(drain(follower), 'appendResponse');
    assert.deepEqual(
      acks.map((m) => (m.success ? m.matchIndex : -1)),
      [3],
      'one acknowledgement of the highest index instead of one per append',
    );
    follower.receive(append(3));
    assert.deepEqual(
      only(drain(follower), 'appendResponse').map((m) => (m.success ? m.matchIndex : -1)),
      [4],
      'the next write is acknowledged on its own',
    );
  });

  it("sends a leader's appends before its own write (takeEarlyMessages), counting itself only once durable", () => {
    const { leader, followers } = electLeader();
    const nodes = new Map<number, RaftNode>([[1, leader], ...followers]);
    exchange(nodes, drain(leader)); // the no-op commits; followers pipeline
    const result = leader.propose(new Uint8Array(4));
    assert.ok(result.ok);
    const early = leader.takeEarlyMessages();
    assert.deepEqual(
      early.map((m) => (m.kind === 'append' ? [m.to, m.entries.at(-1)?.index] : m.kind)),
      [
        [2, result.index],
        [3, result.index],
      ],
    );
    assert.deepEqual(leader.takeEarlyMessages(), [], 'taken once');
    assert.equal(leader.status().stableIndex, result.index - 1);
    const two = followers.get(2)!;
    two.receive(early[0]!);
    assert.deepEqual(two.takeEarlyMessages(), [], "a follower's acknowledgement waits for its write");
    for (const reply of drain(two)) leader.receive(reply);
    // Node 2's durable copy and the leader's unsynced one are not a majority of durable copies.
    assert.equal(leader.status().commitIndex, result.index - 1);
    const work = leader.ready();
    assert.equal(work.entries.at(-1)?.index, result.index, 'the entries still go to the leader disk');
    assert.ok(!work.messages.some((m) => m.kind === 'append'), 'and are not sent twice');
    diskOf(leader).write(work);
    leader.advance(work);
    assert.equal(leader.status().commitIndex, result.index);

    const candidate = node(1);
    candidate.tick(1000);
    assert.deepEqual(candidate.takeEarlyMessages(), [], 'pre-votes and votes leave through ready()');
    assert.equal(only([...candidate.ready().messages], 'preVote').length, 2);
  });

  it('hands out entries committed by the followers to apply before its own write (takeCommitted)', () => {
    const { leader, followers } = electLeader();
    exchange(new Map<number, RaftNode>([[1, leader], ...followers]), drain(leader));
    const result = leader.propose(new Uint8Array(4));
    assert.ok(result.ok);
    const early = leader.takeEarlyMessages();
    const work = leader.ready(); // the leader's own write of the entry is now in flight
    assert.deepEqual(leader.takeCommitted(), [], 'nothing committed yet');
    acknowledgeWithoutDraining(leader, followers, early);
    assert.equal(leader.status().commitIndex, result.index, 'two followers hold it durably');
    assert.equal(leader.status().stableIndex, result.index - 1);
    assert.deepEqual(
      leader.takeCommitted().map((entry) => entry.index),
      [result.index],
    );
    assert.equal(leader.status().appliedIndex, result.index);
    assert.deepEqual(leader.takeCommitted(), [], 'taken once');
    // No snapshot may cover an entry not durable here.
    assert.throws(() => leader.compact(result.index, new Uint8Array()), RaftUsageError);
    diskOf(leader).write(work);
    leader.advance(work);
    assert.equal(leader.status().appliedIndex, result.index);
  });

  it('asks for a snapshot only once the applied entries are durable here', () => {
    const { leader, followers } = electLeader();
    exchange(new Map<number, RaftNode>([[1, leader], ...followers]), drain(leader));
    const result = leader.propose(new Uint8Array(4));
    assert.ok(result.ok);
    acknowledgeWithoutDraining(leader, followers, leader.takeEarlyMessages());
    assert.equal(leader.takeCommitted().at(-1)?.index, result.index, 'applied before any write of it');
    leader.requestSnapshot();
    const work = leader.ready();
    assert.equal(work.entries.at(-1)?.index, result.index);
    assert.equal(work.shouldSnapshot, false, 'applied beyond the durable log: not yet');
    diskOf(leader).write(work);
    leader.advance(work);
    const next = leader.ready();
    assert.equal(next.shouldSnapshot, true, 'durable now');
    assert.deepEqual(next.committed, [], 'already applied');
    leader.advance(next);
    assert.equal(leader.compact(result.index, new Uint8Array([1])), true);
  });

  it('while a snapshot is due, takeCommitted hands out only durable entries, so the snapshot cannot starve', () => {
    const { leader, followers } = electLeader();
    exchange(new Map<number, RaftNode>([[1, leader], ...followers]), drain(leader));
    leader.requestSnapshot();
    const result = leader.propose(new Uint8Array(4));
    assert.ok(result.ok);
    acknowledgeWithoutDraining(leader, followers, leader.takeEarlyMessages());
    assert.equal(leader.status().commitIndex, result.index);
    assert.deepEqual(leader.takeCommitted(), [], 'committed, but not durable here while a snapshot is due');
    const work = leader.ready();
    assert.equal(work.shouldSnapshot, true);
    assert.equal(work.committed.at(-1)?.index, result.index, 'applied after this write instead');
    diskOf(leader).write(work);
    leader.advance(work);
    assert.equal(leader.compact(result.index, new Uint8Array([1])), true);
  });

  it('takeCommitted waits while the ready() in flight carries committed entries, so apply stays in order', () => {
    const { leader, followers } = electLeader();
    exchange(new Map<number, RaftNode>([[1, leader], ...followers]), drain(leader));
    const first = leader.propose(new Uint8Array(4));
    assert.ok(first.ok);
    acknowledgeWithoutDraining(leader, followers, leader.takeEarlyMessages());
    assert.equal(leader.status().commitIndex, first.index);
    const work = leader.ready(); // carries the entry as committed, applied after this write
    assert.deepEqual(
      work.committed.map((entry) => entry.index),
      [first.index],
    );
    const second = leader.propose(new Uint8Array(4));
    assert.ok(second.ok);
    acknowledgeWithoutDraining(leader, followers, leader.takeEarlyMessages());
    assert.equal(leader.status().commitIndex, second.index);
    assert.deepEqual(leader.takeCommitted(), [], 'the earlier committed entries are applied first');
    diskOf(leader).write(work);
    leader.advance(work);
    assert.deepEqual(
      leader.takeCommitted().map((entry) => entry.index),
      [second.index],
    );
  });

  it('commits only by counting entries of its own term, and never counts learners', () => {
    const config: ClusterConfig = { voters: [1, 2, 3], learners: [4] };
    const { leader, followers } = electLeader({}, config);
    const messages = drain(leader);
    // Only the learner answers: the leader alone is no majority of {1,2,3}.
    const learnerTraffic = exchange(
      new Map([[4, followers.get(4)!]]),
      messages.filter((m) => m.to === 4),
    );
    for (const reply of learnerTraffic) if (reply.to === 1) leader.receive(reply);
    drain(leader);
    assert.equal(leader.status().commitIndex, 0);
    const toTwo = messages.filter((m) => m.to === 2);
    exchange(
      new Map([
        [1, leader],
        [2, followers.get(2)!],
      ]),
      toTwo,
    );
    assert.equal(leader.status().commitIndex, 1);
  });

  it('rejects an append that does not match and hints where its log diverges', () => {
    const follower = followerHolding(3);
    follower.receive({
      kind: 'append',
      from: 5,
      to: 2,
      term: 3,
      prevLogIndex: 3,
      prevLogTerm: 2,
      entries: [],
      leaderCommit: 0,
    });
    const [rejection] = only(drain(follower), 'appendResponse');
    assert.deepEqual(rejection, {
      kind: 'appendResponse',
      from: 2,
      to: 5,
      term: 3,
      success: false,
      rejectedIndex: 3,
      hintIndex: 1,
      hintTerm: 1,
    });
    follower.receive({
      kind: 'append',
      from: 5,
      to: 2,
      term: 3,
      prevLogIndex: 7,
      prevLogTerm: 3,
      entries: [],
      leaderCommit: 0,
    });
    const [short] = only(drain(follower), 'appendResponse');
    assert.equal(short?.success === false && short.hintIndex === 4 && short.hintTerm === 0, true);
  });

  it('asks for a snapshot once the log passes the threshold, and compacts after persisting it', () => {
    const { leader, followers } = electLeader({ snapshotThresholdBytes: 200 });
    const nodes = new Map<number, RaftNode>([[1, leader], ...followers]);
    exchange(nodes, drain(leader));
    for (let i = 0; i < 10; i++) leader.propose(new Uint8Array(16));
    let asked = false;
    const disk = diskOf(leader);
    for (let round = 0; round < 20; round++) {
      const work = leader.hasReady() ? leader.ready() : undefined;
      if (work === undefined) break;
      disk.write(work);
      asked ||= work.shouldSnapshot;
      leader.advance(work);
      exchange(nodes, [...work.messages]);
    }
    const applied = leader.status().appliedIndex;
    assert.ok(asked, 'the core asked for a snapshot');
    assert.equal(leader.compact(applied, new Uint8Array([1, 2, 3])), true);
    const work = leader.ready();
    assert.equal(work.snapshot?.restore, false);
    assert.equal(work.snapshot?.snapshot.index, applied);
    leader.advance(work);
    assert.equal(leader.status().snapshotIndex, applied);
    assert.equal(leader.entry(applied), undefined, 'compacted');
    assert.throws(() => leader.compact(applied + 100, new Uint8Array()), RaftUsageError);
  });
  it('asks again after a snapshot taken asynchronously was overtaken by one installed from the leader', () => {
    const follower = node(2, EMPTY, { snapshotThresholdBytes: 1_000 });
    let last = 0;
    /** Node 1's append of `count` 100-byte commands of term 1, all committed; returns whether a ready() asked. */
    const appendCommitted = (count: number): boolean => {
      const entries = Array.from({ length: count }, (_, i) => ({
        kind: 'command' as const,
        index: last + i + 1,
        term: 1,
        data: new Uint8Array(100),
      }));
      follower.receive({
        kind: 'append',
        from: 1,
        to: 2,
        term: 1,
        prevLogIndex: last,
        prevLogTerm: last === 0 ? 0 : 1,
        entries,
        leaderCommit: last + count,
      });
      last += count;
      let asked = false;
      for (let round = 0; round < 5 && follower.hasReady(); round++) {
        const work = follower.ready();
        diskOf(follower).write(work);
        follower.advance(work);
        asked ||= work.shouldSnapshot;
      }
      return asked;
    };
    assert.ok(appendCommitted(15), 'asked once the log passed the threshold');
    const askedAt = follower.status().appliedIndex;
    assert.equal(appendCommitted(10), false, 'not asked again while that snapshot is being taken');
    // Meanwhile the leader installs a newer snapshot (this follower lagged behind its compaction).
    last = 100;
    follower.receive({
      kind: 'installSnapshot',
      from: 1,
      to: 2,
      term: 1,
      snapshotIndex: last,
      snapshotTerm: 1,
      config: CONFIG,
      offset: 0,
      chunk: new Uint8Array([9]),
      done: true,
    });
    drain(follower);
    assert.equal(follower.status().snapshotIndex, last);
    assert.equal(follower.compact(askedAt, new Uint8Array([1])), false, 'overtaken');
    assert.ok(appendCommitted(15), 'asked again once the log grew past the threshold after the new snapshot');
  });

  it('draws where each node next snapshots in [threshold, 1.5 threshold): identical logs do not all snapshot at one entry', () => {
    const askedAfter: number[] = [];
    for (const id of [1, 2, 3, 4, 5]) {
      const raft = node(id, EMPTY, { snapshotThresholdBytes: 10_000 }, { voters: [id], learners: [] });
      raft.tick(1_000);
      drain(raft);
      assert.equal(raft.status().role, 'leader');
      let proposals = 0;
      let asked = false;
      while (!asked && proposals < 200) {
        raft.propose(new Uint8Array(100));
        proposals++;
        for (let round = 0; round < 3 && raft.hasReady(); round++) {
          const work = raft.ready();
          diskOf(raft).write(work);
          raft.advance(work);
          asked ||= work.shouldSnapshot;
        }
      }
      askedAfter.push(proposals);
    }
    // 124 log bytes per proposal (entryBytes), 24 for the leader's no-op: 10,000 bytes after 81.
    for (const count of askedAfter) assert.ok(count >= 81 && count <= 122, `asked after ${count}`);
    assert.ok(new Set(askedAfter).size >= 3, `asked after ${askedAfter.join(', ')} proposals`);
  });

  it('accepts one configuration change at a time, after an entry of its term committed', () => {
    const { leader, followers } = electLeader();
    assert.deepEqual(leader.proposeConfigChange({ kind: 'addLearner', nodeId: 4 }), {
      ok: false,
      reason: 'configChangePending',
      leaderId: 1,
    });
    const nodes = new Map<number, RaftNode>([[1, leader], ...followers]);
    exchange(nodes, drain(leader)); // the no-op of term 1 commits
    assert.equal(leader.proposeConfigChange({ kind: 'addLearner', nodeId: 4 }).ok, true);
    assert.deepEqual(leader.status().config, { voters: [1, 2, 3], learners: [4] }, 'effective when appended');
    assert.equal(leader.proposeConfigChange({ kind: 'promoteLearner', nodeId: 4 }).ok, false);
    exchange(nodes, drain(leader));
    assert.equal(leader.proposeConfigChange({ kind: 'promoteLearner', nodeId: 4 }).ok, true);
    assert.deepEqual(leader.proposeConfigChange({ kind: 'removeServer', nodeId: 9 }), {
      ok: false,
      reason: 'configChangePending',
      leaderId: 1,
    });
  });
  it('keeps its acknowledged entries when a snapshot arrives whose last entry it already holds (§7)', () => {
    const follower = followerHolding(5);
    // A snapshot the leader sent before it learned that we hold up to 5 arrives late.
    follower.receive({
      kind: 'installSnapshot',
      from: 1,
      to: 2,
      term: 1,
      snapshotIndex: 3,
      snapshotTerm: 1,
      config: CONFIG,
      offset: 0,
      chunk: new Uint8Array([9]),
      done: true,
    });
    const [response] = only(drain(follower), 'installSnapshotResponse');
    assert.equal(response?.done, true);
    assert.equal(follower.status().lastIndex, 5, 'entries 4 and 5 were acknowledged: they stay');
    assert.equal(follower.status().commitIndex, 3);
    assert.equal(follower.status().snapshotIndex, 0, 'nothing to restore');
  });
  it('does not commit an entry of an earlier term by counting replicas (§5.4.2, Figure 8)', () => {
    const five: ClusterConfig = { voters: [1, 2, 3, 4, 5], learners: [] };
    // Node 1 led term 2 and wrote index 2 there; it is elected again in term 4 with the votes of 2, 3.
    const persisted: PersistedState = {
      hardState: { term: 3, votedFor: undefined },
      snapshot: undefined,
      entries: [
        { kind: 'noop', index: 1, term: 1 },
        { kind: 'noop', index: 2, term: 2 },
      ],
    };
    const leader = node(1, persisted, {}, five);
    diskOf(leader).write({
      ...persisted,
      snapshot: undefined,
      messages: [],
      committed: [],
      readStates: [],
      shouldSnapshot: false,
    });
    leader.tick(1000);
    for (const preVote of only(drain(leader), 'preVote')) {
      if (preVote.to <= 3)
        leader.receive({ kind: 'preVoteResponse', from: preVote.to, to: 1, term: 4, granted: true });
    }
    for (const vote of only(drain(leader), 'vote')) {
      if (vote.to <= 3)
        leader.receive({ kind: 'voteResponse', from: vote.to, to: 1, term: 4, granted: true });
    }
    assert.equal(leader.status().role, 'leader');
    assert.equal(leader.status().term, 4);
    drain(leader); // the no-op of term 4 at index 3 is now durable on the leader
    // Nodes 2 and 3 now hold index 2 of term 2 (a majority with the leader), but not the no-op.
    for (const from of [2, 3]) {
      leader.receive({ kind: 'appendResponse', from, to: 1, term: 4, success: true, matchIndex: 2 });
    }
    drain(leader);
    assert.equal(leader.status().commitIndex, 0, 'index 2 (term 2) must wait for an entry of term 4');
    leader.receive({ kind: 'appendResponse', from: 2, to: 1, term: 4, success: true, matchIndex: 3 });
    leader.receive({ kind: 'appendResponse', from: 3, to: 1, term: 4, success: true, matchIndex: 3 });
    drain(leader);
    assert.equal(leader.status().commitIndex, 3, 'the no-op commits, and index 2 with it');
  });
});
