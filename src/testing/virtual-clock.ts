/** Simulated time in ms: only moves when a test or simulator advances it, never backwards. */
export class VirtualClock {
  #nowMs: number;

  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  advanceTo(timeMs: number): void {
    if (timeMs < this.#nowMs)
      throw new RangeError(`virtual time cannot go back from ${this.#nowMs} to ${timeMs}`);
    this.#nowMs = timeMs;
  }

  advanceBy(deltaMs: number): void {
    this.advanceTo(this.#nowMs + deltaMs);
  }
}
