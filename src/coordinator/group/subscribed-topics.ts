// Topics a classic consumer group subscribes to, read from its members' ConsumerProtocolSubscription metadata.
import { ByteReader, decodeConsumerProtocolSubscription } from '../../protocol/index.js';
import type { ClassicGroup } from './group-state.js';

/**
 * The union of the members' subscribed topics, or null when the group does not use the "consumer"
 * protocol type or a member's metadata cannot be read (the caller then treats every topic as in use).
 */
export function subscribedTopics(group: ClassicGroup): Set<string> | null {
  if (group.protocolType !== 'consumer') return null;
  const topics = new Set<string>();
  for (const member of group.members.values()) {
    const chosen = member.protocols.find((p) => p.name === group.protocolName) ?? member.protocols[0];
    if (chosen === undefined) continue;
    try {
      const reader = new ByteReader(chosen.metadata);
      const version = reader.int16();
      const subscription = decodeConsumerProtocolSubscription(reader, Math.min(Math.max(version, 0), 3));
      for (const topic of subscription.topics) topics.add(topic);
    } catch (error: unknown) {
      if (error instanceof Error) return null;
      throw error;
    }
  }
  return topics;
}
