/** Something the sweeper can close when idle. */
export interface IdleCandidate {
  isIdle(nowMs: number, idleMs: number): boolean;
  closeIdle(): void;
}

/**
 * Closes idle connections (`connections.max.idle.ms`) with one periodic timer for all of them, not a
 * timer per connection or per request: activity only stamps a time, and the sweep compares. A
 * connection is therefore closed between `idleMs` and `idleMs + intervalMs` after its last activity.
 * The timer is unref'd, so it never keeps the process alive.
 */
export class IdleSweeper {
  private timer: NodeJS.Timeout | undefined;
  readonly intervalMs: number;

  constructor(
    private readonly idleMs: number,
    private readonly candidates: () => Iterable<IdleCandidate>,
    private readonly now: () => number,
  ) {
    // A quarter of the idle time keeps the overshoot small; 30 s caps the work for Kafka's 10 minutes.
    this.intervalMs = Math.max(5, Math.min(Math.floor(idleMs / 4), 30_000));
  }

  start(): void {
    if (this.timer !== undefined || !Number.isFinite(this.idleMs) || this.idleMs < 0) return;
    this.timer = setInterval(() => this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Closes every candidate idle at this moment; returns how many. */
  sweep(): number {
    const nowMs = this.now();
    let closed = 0;
    for (const candidate of this.candidates()) {
      if (candidate.isIdle(nowMs, this.idleMs)) {
        candidate.closeIdle();
        closed += 1;
      }
    }
    return closed;
  }
}
