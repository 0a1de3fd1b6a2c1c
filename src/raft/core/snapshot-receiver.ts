import { assert } from './assert.js';
import type { Snapshot, SnapshotMeta } from './log-entry.js';

/**
 * Assembles one snapshot from InstallSnapshot chunks, in order. Chunks are copied: the message's
 * buffers belong to the transport.
 */
export class SnapshotReceiver {
  readonly meta: SnapshotMeta;
  #chunks: Uint8Array[] = [];
  #nextOffset = 0;

  constructor(meta: SnapshotMeta) {
    this.meta = meta;
  }

  get nextOffset(): number {
    return this.#nextOffset;
  }

  isFor(index: number, term: number): boolean {
    return this.meta.index === index && this.meta.term === term;
  }

  append(offset: number, chunk: Uint8Array): void {
    assert(offset === this.#nextOffset, 'snapshot chunks are appended in order');
    this.#chunks.push(chunk.slice());
    this.#nextOffset += chunk.byteLength;
  }

  finish(): Snapshot {
    const data = new Uint8Array(this.#nextOffset);
    let offset = 0;
    for (const chunk of this.#chunks) {
      data.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return { ...this.meta, data };
  }
}
