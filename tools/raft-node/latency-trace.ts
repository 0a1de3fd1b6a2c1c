/**
 * Per-entry timestamps of one raft-node process for bench/raft's latency breakdown (`--trace`): when
 * appends and acknowledgements left and arrived, when each ready() write started and became durable,
 * and when the leader applied each entry. One line per event, `<kind> <epoch ms> <index> <peer>`, with
 * sub-millisecond epoch times (performance.timeOrigin + now(): comparable between processes of one
 * machine), buffered and appended to the file every 200 ms and on close. For diagnosis only: it costs
 * a string per message.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import type { RaftMessage } from '../../src/raft/core/raft-message.js';
import type { RaftReady } from '../../src/raft/core/raft-ready.js';
import type { RaftKvTrace } from '../../src/raft/host/kv/raft-kv-node.js';

export class LatencyTrace implements RaftKvTrace {
  readonly #path: string;
  readonly #timer: NodeJS.Timeout;
  #lines: string[] = [];

  constructor(path: string) {
    this.#path = path;
    writeFileSync(path, '');
    this.#timer = setInterval(() => this.flush(), 200);
    this.#timer.unref();
  }

  sent(messages: readonly RaftMessage[]): void {
    for (const message of messages) {
      if (message.kind === 'append' && message.entries.length > 0) {
        this.#event('send-append', message.entries.at(-1)!.index, message.to);
      } else if (message.kind === 'appendResponse' && message.success) {
        this.#event('send-ack', message.matchIndex, message.to);
      }
    }
  }

  received(message: RaftMessage): void {
    if (message.kind === 'append' && message.entries.length > 0) {
      this.#event('recv-append', message.entries.at(-1)!.index, message.from);
    } else if (message.kind === 'appendResponse' && message.success) {
      this.#event('recv-ack', message.matchIndex, message.from);
    }
  }

  persistStarted(work: RaftReady): void {
    const last = work.entries.at(-1);
    if (last !== undefined) this.#event('persist-start', last.index, work.entries.length);
  }

  persistDone(work: RaftReady): void {
    const last = work.entries.at(-1);
    if (last !== undefined) this.#event('persist-end', last.index, work.entries.length);
  }

  applied(index: number): void {
    this.#event('apply', index, 0);
  }

  flush(): void {
    if (this.#lines.length === 0) return;
    appendFileSync(this.#path, this.#lines.join(''));
    this.#lines = [];
  }

  close(): void {
    clearInterval(this.#timer);
    this.flush();
  }

  #event(kind: string, index: number, peer: number): void {
    this.#lines.push(`${kind} ${(performance.timeOrigin + performance.now()).toFixed(3)} ${index} ${peer}\n`);
  }
}
