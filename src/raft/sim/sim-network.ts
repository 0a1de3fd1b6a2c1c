import type { SeededRandom } from '../../testing/index.js';
import type { NodeId } from '../core/log-entry.js';
import type { RaftMessage } from '../core/raft-message.js';

/** Network behaviour the nemesis changes: loss, duplication and a delay range (which reorders). */
export interface NetworkQuality {
  readonly lossRate: number;
  readonly duplicateRate: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

export const CALM_NETWORK: NetworkQuality = { lossRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 5 };

/**
 * Decides the fate of each message: dropped (loss, partition), delivered once or twice, each copy after
 * its own random delay. Partitions are sets of blocked directed links, so one-way partitions are
 * first-class and a symmetric one is two blocked links.
 */
export class SimNetwork {
  quality: NetworkQuality = CALM_NETWORK;
  readonly #blocked = new Set<string>();
  readonly #random: SeededRandom;

  constructor(random: SeededRandom) {
    this.#random = random;
  }

  /** Delivery delays (virtual ms from now) for each copy that will arrive; empty when it is lost. */
  route(message: RaftMessage): number[] {
    if (this.isBlocked(message.from, message.to)) return [];
    const random = this.#random;
    const { lossRate, duplicateRate, minDelayMs, maxDelayMs } = this.quality;
    if (lossRate > 0 && random.chance(lossRate)) return [];
    const copies = duplicateRate > 0 && random.chance(duplicateRate) ? 2 : 1;
    const delays: number[] = [];
    for (let copy = 0; copy < copies; copy++) delays.push(random.between(minDelayMs, maxDelayMs));
    return delays;
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.#blocked.has(`${from}>${to}`);
  }

  blockOneWay(from: NodeId, to: NodeId): void {
    this.#blocked.add(`${from}>${to}`);
  }

  /** Cuts every link between the groups (both ways); links inside a group stay. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const [i, group] of groups.entries()) {
      for (const [j, other] of groups.entries()) {
        if (i === j) continue;
        for (const from of group) for (const to of other) this.blockOneWay(from, to);
      }
    }
  }

  heal(): void {
    this.#blocked.clear();
  }

  get blockedLinks(): number {
    return this.#blocked.size;
  }
}
