// The idempotent producer's id and epoch (InitProducerId) and its per-partition sequence numbers.
import { ApiKey, kafkaErrorFromCode } from '../../protocol/index.js';
import type { Cluster } from '../cluster.js';
import { withRetries } from '../retry.js';

/** Sequence numbers wrap at 2^31 as in Kafka. */
const SEQUENCE_MODULUS = 2 ** 31;

/**
 * The producer id and epoch the broker assigned (KIP-98 idempotence without transactions). Fetched once
 * before the first send and shared by every partition; each batch carries the partition's next sequence,
 * so that the broker drops a retried duplicate and rejects a gap.
 */
export class ProducerIdentity {
  producerId = -1n;
  producerEpoch = -1;
  private initializing: Promise<void> | undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly transactionTimeoutMs: number,
  ) {}

  get isReady(): boolean {
    return this.producerId >= 0n;
  }

  /** InitProducerId on any broker (retried); concurrent callers share one request. */
  ensure(signal?: AbortSignal): Promise<void> {
    if (this.isReady) return Promise.resolve();
    this.initializing ??= withRetries(
      async () => {
        const connection = await this.cluster.anyConnection(signal);
        const version = connection.version(ApiKey.InitProducerId, { max: 5 });
        const response = await connection.request(
          ApiKey.InitProducerId,
          version,
          {
            transactionalId: null,
            transactionTimeoutMs: this.transactionTimeoutMs,
            producerId: -1n,
            producerEpoch: -1,
          },
          signal === undefined ? {} : { signal },
        );
        const error = kafkaErrorFromCode(response.errorCode);
        if (error !== undefined) throw error;
        this.producerId = response.producerId;
        this.producerEpoch = response.producerEpoch;
      },
      this.cluster.options.retryPolicy,
      { signal },
    ).finally(() => {
      this.initializing = undefined;
    });
    return this.initializing;
  }
}

/** The sequence after `sequence` plus `count` records, wrapping as Kafka does. */
export function nextSequence(sequence: number, count: number): number {
  return (sequence + count) % SEQUENCE_MODULUS;
}
