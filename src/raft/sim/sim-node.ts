import type { SeededRandom } from '../../testing/index.js';
import type { NodeId } from '../core/log-entry.js';
import type { RaftNode } from '../core/raft-node.js';
import type { RaftReady } from '../core/raft-ready.js';
import { SimDisk } from './sim-disk.js';
import { SimStateMachine } from './sim-state-machine.js';

/** One simulated server: its durable disk survives crashes, everything else is rebuilt on restart. */
export class SimNode {
  readonly id: NodeId;
  readonly disk = new SimDisk();
  readonly random: SeededRandom;
  raft: RaftNode | undefined;
  machine = new SimStateMachine();
  /** Writes handed to the disk and not yet complete, oldest first, with when each completes. */
  readonly writes: { readonly work: RaftReady; readonly startedAtMs: number; readonly doneAtMs: number }[] =
    [];
  /** A wake-up is queued for when the oldest write in flight is pipelineAfterMs old. */
  pipelineWakeQueued = false;
  /** The last entry this incarnation sent in an append, and the term of that append. */
  highestSentEntry: { readonly index: number; readonly term: number } | undefined;
  incarnation = 0;
  clockOffsetMs: number;
  clockRate: number;

  constructor(id: NodeId, random: SeededRandom, clockOffsetMs: number, clockRate: number) {
    this.id = id;
    this.random = random;
    this.clockOffsetMs = clockOffsetMs;
    this.clockRate = clockRate;
  }

  get isAlive(): boolean {
    return this.raft !== undefined;
  }
}
