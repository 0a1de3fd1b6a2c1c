// Which __consumer_offsets partition holds a group: Kafka's Utils.abs(groupId.hashCode) % offsets.topic.num.partitions.

/** Java's String.hashCode: 31-based over UTF-16 code units, wrapped to int32. */
export function javaStringHashCode(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The partition of `groupId` among `numPartitions`. Kafka's Utils.abs masks the sign bit (so
 * Integer.MIN_VALUE maps to 0 rather than staying negative); keeping the same function means a group
 * lands on the partition a Kafka broker would use, which tools reading __consumer_offsets rely on.
 */
export function groupPartition(groupId: string, numPartitions: number): number {
  return (javaStringHashCode(groupId) & 0x7fffffff) % numPartitions;
}
