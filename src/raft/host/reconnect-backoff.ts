/**
 * Kafka's reconnect backoff (reconnect.backoff.ms → reconnect.backoff.max.ms, KIP-144): exponential in
 * the number of failed attempts, with ±20% jitter so that peers do not retry in lockstep.
 * `random` is in [0, 1).
 */
export function reconnectBackoffMs(
  failedAttempts: number,
  initialMs: number,
  maxMs: number,
  random: number,
): number {
  const exponential = initialMs * 2 ** Math.min(Math.max(0, failedAttempts - 1), 30);
  const capped = Math.min(exponential, maxMs);
  const jitter = 1 + (random * 2 - 1) * 0.2;
  return Math.max(0, Math.round(Math.min(capped * jitter, maxMs)));
}
