import type { Partition } from './partition.js';

/** Why a delayed fetch stopped waiting. */
export type DelayedFetchOutcome = 'advanced' | 'expired' | 'closed' | 'full';

/** Kafka keeps no explicit limit; a bound keeps a flood of idle long polls from holding memory. */
export const DEFAULT_MAX_DELAYED_FETCHES = 10_000;

/**
 * Long-poll waits of Fetch ("fetch purgatory"): a wait ends when one of its partitions' high
 * watermark advances, when its deadline passes, or when the broker closes. Timers and wake-ups
 * only: nothing polls. At most `maxWaiting` waits are held; beyond that a wait ends at once with
 * `full` (the fetch answers with what it has, as if max.wait.ms were 0).
 */
export class DelayedFetches {
  private readonly waiting = new Set<(outcome: DelayedFetchOutcome) => void>();
  private isClosed = false;

  constructor(private readonly maxWaiting = DEFAULT_MAX_DELAYED_FETCHES) {}

  get size(): number {
    return this.waiting.size;
  }

  /** Waits up to `waitMs` for a high watermark advance on any of `partitions`. */
  waitForAdvance(partitions: readonly Partition[], waitMs: number): Promise<DelayedFetchOutcome> {
    if (this.isClosed) return Promise.resolve('closed');
    if (waitMs <= 0) return Promise.resolve('expired');
    if (this.waiting.size >= this.maxWaiting) return Promise.resolve('full');
    return new Promise((resolve) => {
      const unsubscribes: (() => void)[] = [];
      const finish = (outcome: DelayedFetchOutcome): void => {
        if (!this.waiting.delete(finish)) return;
        clearTimeout(timer);
        for (const unsubscribe of unsubscribes) unsubscribe();
        resolve(outcome);
      };
      this.waiting.add(finish);
      const timer = setTimeout(() => finish('expired'), waitMs);
      for (const partition of partitions) {
        unsubscribes.push(partition.onHighWatermark(() => finish('advanced')));
      }
    });
  }

  /** Ends every wait (`closed`) and refuses new ones: shutdown answers held fetches at once. */
  close(): void {
    this.isClosed = true;
    for (const finish of [...this.waiting]) finish('closed');
  }
}
