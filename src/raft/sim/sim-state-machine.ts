import { assert, assertNever } from '../core/assert.js';
import type { LogEntry } from '../core/log-entry.js';

/**
 * The replicated application of the simulation: it folds every applied entry into a running hash, so
 * two replicas that applied the same prefix hold the same (index, hash) and a snapshot is 12 bytes.
 */
export class SimStateMachine {
  appliedIndex = 0;
  hash = 0;

  apply(entry: LogEntry): void {
    assert(entry.index === this.appliedIndex + 1, `apply ${entry.index} right after ${this.appliedIndex}`);
    this.hash = mixString(this.hash, entryFingerprint(entry));
    this.appliedIndex = entry.index;
  }

  snapshotData(): Uint8Array {
    const data = new Uint8Array(12);
    const view = new DataView(data.buffer);
    view.setFloat64(0, this.appliedIndex);
    view.setUint32(8, this.hash);
    return data;
  }

  static restore(data: Uint8Array): SimStateMachine {
    assert(data.byteLength === 12, 'a simulation snapshot is 12 bytes');
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const machine = new SimStateMachine();
    machine.appliedIndex = view.getFloat64(0);
    machine.hash = view.getUint32(8);
    return machine;
  }
}

/** The proposal id a simulated client put in the first 4 bytes of a command. */
export function proposalIdOf(data: Uint8Array): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
}

/** What identifies an entry across nodes: term, kind and payload. */
export function entryFingerprint(entry: LogEntry): string {
  switch (entry.kind) {
    case 'command':
      return `${entry.term}:c${proposalIdOf(entry.data)}/${entry.data.byteLength}`;
    case 'noop':
      return `${entry.term}:n`;
    case 'config':
      return `${entry.term}:v${entry.config.voters.join(',')}l${entry.config.learners.join(',')}`;
    default:
      return assertNever(entry);
  }
}

export function mixNumber(hash: number, value: number): number {
  let h = Math.imul(hash ^ (value | 0), 0x01000193);
  h = Math.imul(h ^ Math.floor(value / 4294967296), 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

function mixString(hash: number, text: string): number {
  let h = hash ^ 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 13)) >>> 0;
}
