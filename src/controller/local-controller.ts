import type {
  ConfigAlterationResult,
  ConfigResourceAlteration,
  PartitionsCreation,
  PartitionsToCreate,
  TopicController,
  TopicCreation,
  TopicDeletion,
  TopicReference,
  TopicToCreate,
} from '../broker/index.js';
import type { MetadataImage, MetadataRecord } from '../metadata/index.js';
import { MetadataRecordType, PyralogError } from '../protocol/index.js';
import { type ConfigRules, planConfigAlteration } from './config-alteration.js';
import { planPartitions } from './partition-creation.js';
import { planTopic, type TopicCreationRules } from './topic-creation.js';
import { planTopicDeletion } from './topic-deletion.js';

export interface LocalControllerOptions {
  readonly image: () => MetadataImage;
  /** Appends the records to the metadata log as one batch and resolves once the image holds them. */
  readonly commit: (records: readonly MetadataRecord[]) => Promise<void>;
  readonly rules: TopicCreationRules;
  /** The config tables that config alterations are validated against. */
  readonly configRules: ConfigRules;
}

/** Producer ids per block, as Kafka's ProducerIdManager.PID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
const MAX_PRODUCER_ID = 2n ** 63n - 1n;

/** No producer id block is left: the int64 id space is used up. */
export class ProducerIdsExhaustedError extends PyralogError {
  readonly code = 'PRODUCER_IDS_EXHAUSTED';
}

/**
 * The single node's controller: validates admin requests against the current image and commits
 * the resulting metadata records to the local metadata log (the quorum controller will do the same
 * through raft). Requests run one at a time, so two creations of one name (or two deletions of one
 * topic) cannot both pass. Each request commits one batch: every valid part of it commits together
 * or (on an I/O error) none does.
 */
export class LocalController implements TopicController {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LocalControllerOptions) {}

  createTopics(
    topics: readonly TopicToCreate[],
    options: { validateOnly: boolean },
  ): Promise<TopicCreation[]> {
    return this.serialize(async () => {
      const image = this.options.image();
      const planned = new Set<string>();
      const records: MetadataRecord[] = [];
      const creations = topics.map((topic) => {
        const plan = planTopic(topic, image, planned, this.options.rules);
        if (plan.ok) {
          planned.add(topic.name);
          records.push(...plan.records);
        }
        return plan.creation;
      });
      if (!options.validateOnly) await this.commit(records);
      return creations;
    });
  }

  deleteTopics(topics: readonly TopicReference[]): Promise<TopicDeletion[]> {
    return this.serialize(async () => {
      const image = this.options.image();
      const removed = new Set<string>();
      const records: MetadataRecord[] = [];
      const deletions = topics.map((reference) => {
        const plan = planTopicDeletion(reference, image, removed);
        if (plan.record !== null) {
          removed.add(plan.deletion.topicId);
          records.push(plan.record);
        }
        return plan.deletion;
      });
      await this.commit(records);
      return deletions;
    });
  }

  createPartitions(
    topics: readonly PartitionsToCreate[],
    options: { validateOnly: boolean },
  ): Promise<PartitionsCreation[]> {
    return this.serialize(async () => {
      const image = this.options.image();
      const records: MetadataRecord[] = [];
      const creations = topics.map((topic) => {
        const plan = planPartitions(topic, image, this.options.rules);
        records.push(...plan.records);
        return plan.creation;
      });
      if (!options.validateOnly) await this.commit(records);
      return creations;
    });
  }

  /**
   * AllocateProducerIds (KIP-730): the next block of PRODUCER_ID_BLOCK_SIZE ids for `brokerId`,
   * committed as a ProducerIdsRecord (whose nextProducerId is the block's end) before it resolves,
   * so a restart, even after SIGKILL, replays the record and never hands the block out again.
   * Rejects with ProducerIdsExhaustedError, or with the metadata log's I/O error.
   */
  allocateProducerIds(request: {
    readonly brokerId: number;
    readonly brokerEpoch: bigint;
  }): Promise<{ firstProducerId: bigint; size: number }> {
    return this.serialize(async () => {
      const firstProducerId = this.options.image().producerIds?.nextProducerId ?? 0n;
      const nextProducerId = firstProducerId + BigInt(PRODUCER_ID_BLOCK_SIZE);
      if (nextProducerId > MAX_PRODUCER_ID) {
        throw new ProducerIdsExhaustedError(`no producer id block is left after ${firstProducerId}`);
      }
      await this.commit([
        {
          type: MetadataRecordType.ProducerIdsRecord,
          version: 0,
          data: { brokerId: request.brokerId, brokerEpoch: request.brokerEpoch, nextProducerId },
        },
      ]);
      return { firstProducerId, size: PRODUCER_ID_BLOCK_SIZE };
    });
  }

  private async commit(records: readonly MetadataRecord[]): Promise<void> {
    if (records.length > 0) await this.options.commit(records);
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Validates each resource on its own against the current image and commits the changes of every
   * accepted one as one batch of ConfigRecords (none with `validateOnly`); resolves with one result
   * per resource, in order, once the image holds the changes.
   */
  alterConfigs(
    resources: readonly ConfigResourceAlteration[],
    options: { validateOnly: boolean },
  ): Promise<ConfigAlterationResult[]> {
    return this.serialize(async () => {
      const image = this.options.image();
      const records: MetadataRecord[] = [];
      const results = resources.map((resource): ConfigAlterationResult => {
        const plan = planConfigAlteration(
          resource,
          image,
          this.options.rules.brokerIds,
          this.options.configRules,
        );
        if (!plan.ok) return plan.result;
        records.push(...plan.records);
        return { errorCode: 0, errorMessage: null };
      });
      if (!options.validateOnly) await this.commit(records);
      return results;
    });
  }
}
