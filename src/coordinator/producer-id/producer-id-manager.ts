/** A range of producer ids the controller has persisted as handed to this broker. */
export interface ProducerIdBlock {
  readonly firstProducerId: bigint;
  readonly size: number;
}

/**
 * Gets the next block from the controller (KRaft: AllocateProducerIds, which commits a
 * ProducerIdsRecord). It must resolve only once the block is durable in the metadata log, so that
 * no id of it is handed out twice, even after a crash.
 */
export type ProducerIdBlockSource = () => Promise<ProducerIdBlock>;

/** Kafka's RPCProducerIdManager fetches the next block once 90% of the current one is used. */
const PREFETCH_AT_USED_RATIO = 0.9;

/**
 * The broker's producer id generator (Kafka's RPCProducerIdManager): hands out the ids of the
 * current block one by one and asks the controller for the next block in the background once 90%
 * of the current one is used, so InitProducerId rarely waits for a metadata commit. Calls are
 * served in order; a failed allocation rejects the calls that needed it and is retried by the next.
 */
export class ProducerIdManager {
  private nextId = 0n;
  private endId = 0n;
  private prefetchFromId = 0n;
  private prefetched: Promise<ProducerIdBlock> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly allocate: ProducerIdBlockSource) {}

  /** A producer id no one got before; rejects with the controller's error when no block can be had. */
  generateProducerId(): Promise<bigint> {
    const run = this.tail.then(() => this.next());
    this.tail = run.catch(() => {});
    return run;
  }

  private async next(): Promise<bigint> {
    if (this.nextId >= this.endId) {
      const pending = this.prefetched ?? this.allocate();
      this.prefetched = undefined;
      const block = await pending;
      this.nextId = block.firstProducerId;
      this.endId = block.firstProducerId + BigInt(block.size);
      this.prefetchFromId = block.firstProducerId + BigInt(Math.floor(block.size * PREFETCH_AT_USED_RATIO));
    }
    const producerId = this.nextId;
    this.nextId += 1n;
    if (this.prefetched === undefined && this.nextId >= this.prefetchFromId && this.nextId < this.endId) {
      const prefetch = this.allocate();
      prefetch.catch(() => {});
      this.prefetched = prefetch;
    }
    return producerId;
  }
}
