/**
 * The core's only source of randomness (election timeouts). Production passes a crypto- or
 * Math.random-backed one; tests and the simulator pass a seeded generator so runs replay exactly.
 */
export interface Random {
  /** A uniformly distributed integer in [0, maxExclusive); maxExclusive is a positive integer. */
  nextInt(maxExclusive: number): number;
}
