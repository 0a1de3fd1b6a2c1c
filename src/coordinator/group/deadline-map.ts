// A Map of immutable values that also knows the earliest deadline among them, without scanning them all.

interface HeapEntry {
  readonly deadlineMs: number;
  readonly key: string;
}

/** Stale heap entries kept at most (beyond live ones) before the heap is rebuilt. */
const MAX_STALE_ENTRIES = 64;

/**
 * A `Map` whose values each have a deadline, or none, fixed while the value is stored: a value that
 * changes is `set` again (the coordinators' groups are immutable, every transition sets a new one).
 * `nextDeadlineMs()` is the earliest one: the coordinators' drivers ask after every request, and
 * scanning every member of every group there made a pipelined OffsetCommit cost O(all members).
 * Here `set` computes the deadline of the one value it stores and a min-heap with lazy deletion keeps
 * the minimum, so `set` costs one `deadlineOf` plus O(log n) and `nextDeadlineMs` amortised O(log n).
 */
export class DeadlineMap<V> extends Map<string, V> {
  readonly #deadlineOf: (value: V) => number | null;
  readonly #deadlines = new Map<string, number>();
  #heap: HeapEntry[] = [];

  constructor(deadlineOf: (value: V) => number | null) {
    super();
    this.#deadlineOf = deadlineOf;
  }

  override set(key: string, value: V): this {
    super.set(key, value);
    const deadlineMs = this.#deadlineOf(value);
    const previous = this.#deadlines.get(key);
    if (deadlineMs === null) {
      this.#deadlines.delete(key);
    } else if (deadlineMs !== previous) {
      this.#deadlines.set(key, deadlineMs);
      this.#push({ deadlineMs, key });
    }
    return this;
  }

  override delete(key: string): boolean {
    this.#deadlines.delete(key);
    return super.delete(key);
  }

  override clear(): void {
    this.#deadlines.clear();
    this.#heap = [];
    super.clear();
  }

  /** The deadline of `key`'s value, or null (none, or no such key). */
  deadlineOf(key: string): number | null {
    return this.#deadlines.get(key) ?? null;
  }

  /** The earliest deadline of any value, or null. */
  nextDeadlineMs(): number | null {
    const heap = this.#heap;
    while (heap.length > 0) {
      const top = heap[0]!;
      if (this.#deadlines.get(top.key) === top.deadlineMs) return top.deadlineMs;
      this.#pop();
    }
    return null;
  }

  /** The keys whose deadline is at or before `nowMs`, in no particular order. */
  dueKeys(nowMs: number): string[] {
    const due: string[] = [];
    for (const [key, deadlineMs] of this.#deadlines) if (deadlineMs <= nowMs) due.push(key);
    return due;
  }

  #push(entry: HeapEntry): void {
    const heap = this.#heap;
    if (heap.length >= 2 * this.#deadlines.size + MAX_STALE_ENTRIES) {
      this.#rebuild();
      return;
    }
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.deadlineMs <= entry.deadlineMs) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.deadlineMs < heap[left]!.deadlineMs ? right : left;
      if (heap[child]!.deadlineMs >= last.deadlineMs) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
  }

  /** One entry per live deadline, heapified (the stale ones are dropped). */
  #rebuild(): void {
    const entries = [...this.#deadlines].map(([key, deadlineMs]) => ({ deadlineMs, key }));
    entries.sort((a, b) => a.deadlineMs - b.deadlineMs);
    this.#heap = entries;
  }
}
