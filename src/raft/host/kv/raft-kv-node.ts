import { randomInt } from 'node:crypto';
import { type Logger, pino } from 'pino';
import type { NodeId } from '../../core/log-entry.js';
import type { RaftMessage } from '../../core/raft-message.js';
import { RaftNode } from '../../core/raft-node.js';
import type { RaftOptionsInput } from '../../core/raft-options.js';
import type { RaftReady } from '../../core/raft-ready.js';
import { type HostClock, type RaftTransport, type StateMachine, systemClock } from '../driver-ports.js';
import { RaftDriver } from '../raft-driver.js';
import type { PeerAddress } from '../raft-peer-link.js';
import { pipelinedPersist, type RaftStorage } from '../raft-storage.js';
import { TcpRaftTransport } from '../tcp-raft-transport.js';
import { KvServer } from './kv-server.js';
import { KvStateMachine } from './kv-state-machine.js';

export interface RaftKvNodeOptions {
  readonly raft: RaftOptionsInput;
  readonly clusterId: string;
  /** Opened and loaded here; closed by `close()`. */
  readonly storage: RaftStorage;
  readonly peerAddress: (peerId: NodeId) => PeerAddress | undefined;
  readonly host?: string;
  /** 0 for any free port. */
  readonly raftPort?: number;
  readonly clientPort?: number;
  readonly clock?: HostClock;
  readonly logger?: Logger;
  /** The driver stopped on a storage failure; a process should exit (its supervisor restarts it). */
  readonly onFatal?: (error: unknown) => void;
  /** Observes each persisted ready(): its duration (write + fsync) and entry count, for stats. */
  readonly onPersisted?: (durationMs: number, entries: number) => void;
  /** Called on every role, term or leader change (besides the info log line). */
  readonly onRoleChange?: () => void;
  /** Observes messages, writes and applies with their times (bench/raft's latency breakdown). */
  readonly trace?: RaftKvTrace;
}

/** Hooks for a latency trace (tools/raft-node/latency-trace.ts); each is called as the event happens. */
export interface RaftKvTrace {
  sent(messages: readonly RaftMessage[]): void;
  received(message: RaftMessage): void;
  persistStarted(work: RaftReady): void;
  persistDone(work: RaftReady): void;
  applied(index: number): void;
}

export interface RaftKvNode {
  readonly driver: RaftDriver;
  readonly machine: KvStateMachine;
  readonly raftPort: number;
  readonly clientPort: number;
  close(): Promise<void>;
}

/**
 * One replicated key-value server: durable Raft storage, the driver, the TCP peer transport and the
 * client port, wired together. Restarting after a crash is just calling this again on the same storage.
 */
export async function startRaftKvNode(options: RaftKvNodeOptions): Promise<RaftKvNode> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: 'silent' });
  const host = options.host ?? '127.0.0.1';
  const persisted = await options.storage.load();
  const machine = new KvStateMachine();
  machine.restore(persisted.snapshot?.data);
  const node = new RaftNode(options.raft, persisted, { nextInt: (max) => randomInt(max) }, clock.nowMs());
  let driver: RaftDriver | undefined;
  const trace = options.trace;
  const transport = new TcpRaftTransport({
    selfId: options.raft.id,
    clusterId: options.clusterId,
    peerAddress: options.peerAddress,
    onMessage: (message) => {
      trace?.received(message);
      driver?.receive(message);
    },
    onPeerDisconnected: (peer) => driver?.peerDisconnected(peer),
    logger,
  });
  const tracedTransport: RaftTransport =
    trace === undefined
      ? transport
      : {
          send: (messages) => {
            trace.sent(messages);
            transport.send(messages);
          },
        };
  const tracedMachine: StateMachine =
    trace === undefined
      ? machine
      : {
          apply: (entry) => {
            trace.applied(entry.index);
            return machine.apply(entry);
          },
          snapshot: () => machine.snapshot(),
          restore: (data) => machine.restore(data),
        };
  // Several writes in flight when options.raft.maxInflightWrites > 1; one at a time otherwise.
  const persist = pipelinedPersist(options.storage);
  driver = new RaftDriver({
    node,
    clock,
    transport: tracedTransport,
    stateMachine: tracedMachine,
    persist: async (work) => {
      const startMs = performance.now();
      trace?.persistStarted(work);
      await persist(work);
      trace?.persistDone(work);
      options.onPersisted?.(performance.now() - startMs, work.entries.length);
    },
    onRoleChange: (status) => {
      options.onRoleChange?.();
      logger.info(
        { role: status.role, term: status.term, leaderId: status.leaderId, lastIndex: status.lastIndex },
        'raft role changed',
      );
    },
    onFatal: (error) => {
      logger.error({ err: error instanceof Error ? error.message : String(error) }, 'raft storage failed');
      options.onFatal?.(error);
    },
  });
  const raftPort = await transport.listen(options.raftPort ?? 0, host);
  const server = new KvServer({ driver, machine, logger });
  const clientPort = await server.listen(options.clientPort ?? 0, host);
  driver.start();
  const running = driver;
  return {
    driver: running,
    machine,
    raftPort,
    clientPort,
    async close() {
      await server.close();
      await running.stop();
      await transport.close();
      await options.storage.close();
    },
  };
}
