import type { TopicCatalog } from '../../coordinator/index.js';
import type { MetadataImage, TopicImage } from '../../metadata/index.js';

function info(topic: TopicImage | undefined) {
  return topic === undefined
    ? undefined
    : { topicId: topic.id, name: topic.name, partitionCount: topic.partitions.size };
}

/** The topics of a metadata image as the KIP-848 assignors and ConsumerGroupDescribe read them. */
export function topicCatalog(image: MetadataImage): TopicCatalog {
  return {
    byName: (name) => info(image.topicsByName.get(name)),
    byId: (topicId) => info(image.topicsById.get(topicId)),
    names: () => image.topicsByName.keys(),
  };
}
