// Integration-test helper: one consumer-group member of a real client as a child process, either
// confluent-kafka-python (python/confluent_group_member.py) or node-rdkafka with the KIP-848 protocol
// (rdkafka-group-member.ts); its JSON-line events are kept in order, and tests await conditions on them.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { kafkaClient } from './kafkajs-client.js';

const PYTHON_SCRIPT = fileURLToPath(new URL('./python/confluent_group_member.py', import.meta.url));
const RDKAFKA_SCRIPT = fileURLToPath(new URL('./rdkafka-group-member.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface MemberEvent {
  readonly event: 'assigned' | 'revoked' | 'record' | 'error' | 'closed';
  readonly partitions?: number[];
  readonly owned?: number[];
  readonly partition?: number;
  readonly offset?: number;
  readonly value?: string;
  /** node-rdkafka: the rebalance protocol librdkafka reports (COOPERATIVE under KIP-848). */
  readonly protocol?: string;
}

export interface MemberConfig {
  readonly bootstrap: string;
  readonly group: string;
  readonly topic: string;
  /** confluent-kafka-python: the client-side assignor; node-rdkafka: group.remote.assignor (uniform, range) or none. */
  readonly assignor?: 'range' | 'roundrobin' | 'cooperative-sticky' | 'uniform';
  readonly name: string;
  readonly instance?: string;
  /** confluent-kafka-python's session.timeout.ms (KIP-848 members get theirs from the broker). */
  readonly sessionMs?: number;
}

/** A confluent-kafka-python 1.7.0 member (classic protocol). */
export function confluentMember(config: MemberConfig): GroupMemberProcess {
  const argument = JSON.stringify({
    bootstrap: config.bootstrap,
    group: config.group,
    topic: config.topic,
    assignor: config.assignor ?? 'range',
    name: config.name,
    instance: config.instance ?? null,
    session_ms: config.sessionMs ?? 6_000,
  });
  return new GroupMemberProcess(config, '/usr/bin/python3', [PYTHON_SCRIPT, argument]);
}

/** A node-rdkafka 3.6.1 member speaking the KIP-848 protocol (group.protocol=consumer). */
export function rdkafkaMember(config: MemberConfig): GroupMemberProcess {
  const argument = JSON.stringify({
    bootstrap: config.bootstrap,
    group: config.group,
    topic: config.topic,
    name: config.name,
    instance: config.instance ?? null,
    assignor: config.assignor ?? null,
  });
  return new GroupMemberProcess(config, process.execPath, ['--import', 'tsx', RDKAFKA_SCRIPT, argument]);
}

export class GroupMemberProcess {
  readonly events: MemberEvent[] = [];
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;
  #stderr = '';
  #waiters = new Set<() => void>();

  constructor(
    readonly config: MemberConfig,
    command: string,
    args: readonly string[],
  ) {
    this.#child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4_000);
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      this.events.push(JSON.parse(line) as MemberEvent);
      for (const wake of this.#waiters) wake();
    });
    void this.exited.then(() => {
      for (const wake of this.#waiters) wake();
    });
  }

  /** The partitions the member holds after its last rebalance callback. */
  get owned(): number[] {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const owned = this.events[i]?.owned;
      if (owned !== undefined) return owned;
    }
    return [];
  }

  /** Rebalance callbacks so far (assigned and revoked). */
  get rebalanceEvents(): MemberEvent[] {
    return this.events.filter((e) => e.event === 'assigned' || e.event === 'revoked');
  }

  get records(): MemberEvent[] {
    return this.events.filter((e) => e.event === 'record');
  }

  /** Calls `wake` after every event and when the process exits; the returned function unsubscribes. */
  subscribe(wake: () => void): () => void {
    this.#waiters.add(wake);
    return () => this.#waiters.delete(wake);
  }

  get hasExited(): boolean {
    return this.#child.exitCode !== null || this.#child.signalCode !== null;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Resolves once `condition` holds for this member (see untilAll). */
  until(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
    return untilAll([this], what, condition, timeoutMs);
  }

  /** Closes the consumer (a dynamic member sends LeaveGroup) and waits for the process to end. */
  async close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.stdin?.end('close\n');
    await this.exited;
  }

  /** SIGKILL: the member vanishes without leaving. */
  async kill(): Promise<void> {
    if (!this.hasExited) this.#child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGSTOP / SIGCONT: the member stops heartbeating, then carries on as if nothing happened. */
  pause(): void {
    this.#child.kill('SIGSTOP');
  }

  resume(): void {
    this.#child.kill('SIGCONT');
  }
}

/**
 * Resolves once `condition` holds, re-checked after every event of `members`; rejects after `timeoutMs`
 * or when one of them exits meanwhile (with its stderr and rebalance events in the message).
 */
export function untilAll(
  members: readonly GroupMemberProcess[],
  what: string,
  condition: () => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const unsubscribe: Array<() => void> = [];
    const finish = (error?: Error) => {
      clearTimeout(timer);
      for (const off of unsubscribe) off();
      if (error === undefined) resolve();
      else reject(error);
    };
    const describe = () =>
      members.map((m) => `${m.config.name}: ${JSON.stringify(m.rebalanceEvents)} ${m.stderr}`).join('; ');
    const check = () => {
      if (condition()) return finish();
      const gone = members.find((m) => m.hasExited);
      if (gone !== undefined)
        finish(new Error(`${gone.config.name} exited while waiting for ${what}: ${describe()}`));
    };
    const timer = setTimeout(
      () => finish(new Error(`timed out waiting for ${what}: ${describe()}`)),
      timeoutMs,
    );
    for (const member of members) unsubscribe.push(member.subscribe(check));
    check();
  });
}

/** Whether the members' partitions are disjoint, each member has some, and together they are all `partitions`. */
export function sharedOnce(members: readonly GroupMemberProcess[], partitions: number): boolean {
  const seen = new Set<number>();
  for (const member of members) {
    if (member.owned.length === 0) return false;
    for (const p of member.owned) {
      if (seen.has(p)) return false;
      seen.add(p);
    }
  }
  return seen.size === partitions;
}

/** Produces `values` to `topic` with KafkaJS (acks=all), value i to partition i % `partitions`. */
export async function produceAcross(
  bootstrap: string,
  topic: string,
  values: readonly string[],
  partitions: number,
): Promise<Set<string>> {
  const producer = kafkaClient(bootstrap, 'producer', 10).producer();
  await producer.connect();
  try {
    const messages = values.map((value, i) => ({ partition: i % partitions, value }));
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
  return new Set(values);
}
