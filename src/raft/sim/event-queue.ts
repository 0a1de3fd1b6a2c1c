import { assert } from '../core/assert.js';

interface Queued<T> {
  readonly atMs: number;
  readonly seq: number;
  readonly item: T;
}

/**
 * A min-heap of timed items; ties break by insertion order, so a run is a pure function of its seed.
 * Bounded: `push` refuses beyond `capacity` (the simulator counts that as message loss).
 */
export class EventQueue<T> {
  #heap: Queued<T>[] = [];
  #seq = 0;
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#heap.length;
  }

  push(atMs: number, item: T): boolean {
    assert(Number.isFinite(atMs), 'events happen at a finite time');
    if (this.#heap.length >= this.#capacity) return false;
    const heap = this.#heap;
    heap.push({ atMs, seq: this.#seq++, item });
    let child = heap.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!before(heap[child]!, heap[parent]!)) break;
      [heap[child], heap[parent]] = [heap[parent]!, heap[child]!];
      child = parent;
    }
    return true;
  }

  peekTime(): number | undefined {
    return this.#heap[0]?.atMs;
  }

  pop(): { atMs: number; item: T } | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let parent = 0;
      for (;;) {
        const left = 2 * parent + 1;
        const right = left + 1;
        let smallest = parent;
        if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === parent) break;
        [heap[smallest], heap[parent]] = [heap[parent]!, heap[smallest]!];
        parent = smallest;
      }
    }
    return { atMs: top.atMs, item: top.item };
  }
}

function before<T>(a: Queued<T>, b: Queued<T>): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
