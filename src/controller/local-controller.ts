import type { TopicController, TopicCreation, TopicToCreate } from '../broker/index.js';
import type { MetadataImage, MetadataRecord } from '../metadata/index.js';
import { planTopic, type TopicCreationRules } from './topic-creation.js';

export interface LocalControllerOptions {
  readonly image: () => MetadataImage;
  /** Appends the records to the metadata log as one batch and resolves once the image holds them. */
  readonly commit: (records: readonly MetadataRecord[]) => Promise<void>;
  readonly rules: TopicCreationRules;
}

/**
 * The single node's controller: validates admin requests against the current image and commits
 * the resulting metadata records to the local metadata log (the quorum controller will do the same
 * through raft). Requests run one at a time, so two creations of one name cannot both pass.
 */
export class LocalController implements TopicController {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LocalControllerOptions) {}

  createTopics(
    topics: readonly TopicToCreate[],
    options: { validateOnly: boolean },
  ): Promise<TopicCreation[]> {
    const run = this.queue.then(() => this.createInOrder(topics, options.validateOnly));
    this.queue = run.catch(() => {});
    return run;
  }

  /** One batch for the whole request: every valid topic commits together or (on an I/O error) none does. */
  private async createInOrder(
    topics: readonly TopicToCreate[],
    validateOnly: boolean,
  ): Promise<TopicCreation[]> {
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
    if (!validateOnly && records.length > 0) await this.options.commit(records);
    return creations;
  }
}
