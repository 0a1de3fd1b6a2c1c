// Group commit for the floor responder (bench/floor): record sets submitted while a group is being
// made durable wait and go together in the next group, one flush per group. Pure scheduling: the
// flush and the moment a group starts are injected.

/** Makes `chunks` durable, then calls `finished` (with the error, if it failed). */
export type FlushGroup = (chunks: Buffer[], finished: (error?: Error) => void) => void;
/** Runs `start` later: queueMicrotask (after the frames of the current read) or setImmediate (after the turn's reads). */
export type ScheduleStart = (start: () => void) => void;

interface Waiting {
  readonly records: Buffer;
  readonly done: (error?: Error) => void;
}

export class GroupCommit {
  private waiting: Waiting[] = [];
  private isFlushing = false;
  private isScheduled = false;
  /** Groups flushed so far (their sizes say how much one flush covers). */
  groups = 0;

  constructor(
    private readonly flushGroup: FlushGroup,
    private readonly schedule: ScheduleStart,
  ) {}

  /** Queues `records`; `done` runs once the group holding them is durable, in submission order. */
  add(records: Buffer, done: (error?: Error) => void): void {
    this.waiting.push({ records, done });
    this.maybeSchedule();
  }

  private maybeSchedule(): void {
    if (this.isFlushing || this.isScheduled || this.waiting.length === 0) return;
    this.isScheduled = true;
    this.schedule(() => {
      this.isScheduled = false;
      this.start();
    });
  }

  private start(): void {
    const group = this.waiting;
    this.waiting = [];
    this.isFlushing = true;
    this.groups += 1;
    this.flushGroup(
      group.map((entry) => entry.records),
      (error) => {
        this.isFlushing = false;
        for (const entry of group) entry.done(error);
        this.maybeSchedule();
      },
    );
  }
}
