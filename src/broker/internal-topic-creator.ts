import type { BrokerLogger, TopicController } from './broker-context.js';

export interface InternalTopicSpec {
  readonly name: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * What a coordinator calls to create its internal topic on first use: creates `spec` through the
 * controller and answers the error code (-1 when the controller answered nothing), logging a refusal.
 */
export function internalTopicCreator(
  controller: TopicController,
  logger: BrokerLogger,
  spec: InternalTopicSpec,
): () => Promise<number> {
  return async () => {
    const [created] = await controller.createTopics(
      [
        {
          name: spec.name,
          numPartitions: spec.numPartitions,
          replicationFactor: spec.replicationFactor,
          assignments: new Map(),
          configs: { ...spec.configs },
        },
      ],
      { validateOnly: false },
    );
    if (created === undefined) return -1;
    if (created.errorCode !== 0) {
      logger.warn(
        { errorCode: created.errorCode, message: created.errorMessage },
        `${spec.name} not created`,
      );
    }
    return created.errorCode;
  };
}
