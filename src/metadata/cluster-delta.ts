import type { BrokerRegistrationChangeRecord, RegisterBrokerRecord } from '../protocol/index.js';
import { MetadataReplayError } from './metadata-errors.js';
import type { BrokerRegistration } from './metadata-image.js';

/** BrokerRegistrationChangeRecord.fenced: -1 unfenced, 0 no change, 1 fenced. */
const FENCE_CHANGE = { unfence: -1, none: 0, fence: 1 } as const;

/**
 * The broker half of a MetadataDelta. The base map is copied on the first change only. Records that
 * name a broker by id and epoch must match its current registration, as a stale fence or unfence
 * from an earlier incarnation would otherwise flip the state of the new one.
 */
export class ClusterDelta {
  private changed: Map<number, BrokerRegistration> | undefined;

  constructor(private readonly base: ReadonlyMap<number, BrokerRegistration>) {}

  broker(id: number): BrokerRegistration | undefined {
    return (this.changed ?? this.base).get(id);
  }

  replayRegister(record: RegisterBrokerRecord): void {
    if (record.brokerId < 0)
      throw new MetadataReplayError(`RegisterBrokerRecord: negative broker id ${record.brokerId}`);
    this.brokers().set(
      record.brokerId,
      Object.freeze({
        id: record.brokerId,
        epoch: record.brokerEpoch,
        incarnationId: record.incarnationId,
        listeners: Object.freeze(record.endPoints.map((endpoint) => Object.freeze({ ...endpoint }))),
        supportedFeatures: Object.freeze(record.features.map((feature) => Object.freeze({ ...feature }))),
        rack: record.rack,
        fenced: record.fenced,
        inControlledShutdown: record.inControlledShutdown,
        isMigratingZkBroker: record.isMigratingZkBroker,
        directories: Object.freeze([...record.logDirs]),
      }),
    );
  }

  replayUnregister(brokerId: number, epoch: bigint): void {
    this.current(brokerId, epoch, 'UnregisterBrokerRecord');
    this.brokers().delete(brokerId);
  }

  replayFence(brokerId: number, epoch: bigint, fenced: boolean): void {
    const current = this.current(brokerId, epoch, fenced ? 'FenceBrokerRecord' : 'UnfenceBrokerRecord');
    this.brokers().set(brokerId, Object.freeze({ ...current, fenced }));
  }

  replayChange(record: BrokerRegistrationChangeRecord): void {
    const current = this.current(record.brokerId, record.brokerEpoch, 'BrokerRegistrationChangeRecord');
    let fenced: boolean;
    switch (record.fenced) {
      case FENCE_CHANGE.unfence:
        fenced = false;
        break;
      case FENCE_CHANGE.none:
        fenced = current.fenced;
        break;
      case FENCE_CHANGE.fence:
        fenced = true;
        break;
      default:
        throw new MetadataReplayError(
          `BrokerRegistrationChangeRecord: fenced=${record.fenced} is not -1, 0 or 1`,
        );
    }
    if (record.inControlledShutdown !== 0 && record.inControlledShutdown !== 1) {
      throw new MetadataReplayError(
        `BrokerRegistrationChangeRecord: inControlledShutdown=${record.inControlledShutdown} is not 0 or 1`,
      );
    }
    this.brokers().set(
      record.brokerId,
      Object.freeze({
        ...current,
        fenced,
        // Kafka's record can only enter controlled shutdown; a new registration leaves it.
        inControlledShutdown: current.inControlledShutdown || record.inControlledShutdown === 1,
        directories: record.logDirs.length > 0 ? Object.freeze([...record.logDirs]) : current.directories,
      }),
    );
  }

  /** The broker map of the new image; the base map itself when nothing changed. */
  apply(): ReadonlyMap<number, BrokerRegistration> {
    return this.changed ?? this.base;
  }

  private current(brokerId: number, epoch: bigint, what: string): BrokerRegistration {
    const current = this.broker(brokerId);
    if (current === undefined) throw new MetadataReplayError(`${what}: broker ${brokerId} is not registered`);
    if (current.epoch !== epoch) {
      throw new MetadataReplayError(
        `${what}: broker ${brokerId} epoch ${epoch} does not match its registration epoch ${current.epoch}`,
      );
    }
    return current;
  }

  private brokers(): Map<number, BrokerRegistration> {
    this.changed ??= new Map(this.base);
    return this.changed;
  }
}
