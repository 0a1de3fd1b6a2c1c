/**
 * Where a raft-node process spends its latency, logged once per interval at info ('raft stats') for
 * bench/raft's breakdown: persist (write + fsync of one ready()) durations, event-loop delay, GC
 * pauses and role changes. Off with --no-stats; bench/raft turns it on only with --diagnose (an
 * A/B of its cost drowned in the shared machine's noise: 1,000-3,600 puts/s either way).
 */
import { type IntervalHistogram, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { Logger } from 'pino';

export class NodeStats {
  readonly #logger: Logger;
  readonly #loop: IntervalHistogram;
  readonly #gc: PerformanceObserver;
  readonly #timer: NodeJS.Timeout;
  #persists: number[] = [];
  #persistEntries = 0;
  #gcMs = 0;
  #gcMaxMs = 0;
  #roleChanges = 0;

  constructor(logger: Logger, intervalMs = 1000) {
    this.#logger = logger;
    this.#loop = monitorEventLoopDelay({ resolution: 20 });
    this.#loop.enable();
    this.#gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        this.#gcMs += entry.duration;
        this.#gcMaxMs = Math.max(this.#gcMaxMs, entry.duration);
      }
    });
    this.#gc.observe({ entryTypes: ['gc'] });
    this.#timer = setInterval(() => this.#flush(), intervalMs);
    this.#timer.unref();
  }

  persisted(durationMs: number, entries: number): void {
    this.#persists.push(durationMs);
    this.#persistEntries += entries;
  }

  roleChanged(): void {
    this.#roleChanges++;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#loop.disable();
    this.#gc.disconnect();
  }

  #flush(): void {
    const persists = this.#persists.sort((a, b) => a - b);
    const at = (p: number): number =>
      persists.length === 0
        ? 0
        : persists[Math.min(persists.length - 1, Math.ceil(p * persists.length) - 1)]!;
    const round = (ms: number): number => Math.round(ms * 100) / 100;
    this.#logger.info(
      {
        persists: persists.length,
        persistEntries: this.#persistEntries,
        persistP50Ms: round(at(0.5)),
        persistP99Ms: round(at(0.99)),
        persistMaxMs: round(persists.at(-1) ?? 0),
        loopDelayP99Ms: round(this.#loop.percentile(99) / 1e6),
        loopDelayMaxMs: round(this.#loop.max / 1e6),
        gcMs: round(this.#gcMs),
        gcMaxMs: round(this.#gcMaxMs),
        roleChanges: this.#roleChanges,
      },
      'raft stats',
    );
    this.#persists = [];
    this.#persistEntries = 0;
    this.#gcMs = 0;
    this.#gcMaxMs = 0;
    this.#roleChanges = 0;
    this.#loop.reset();
  }
}
