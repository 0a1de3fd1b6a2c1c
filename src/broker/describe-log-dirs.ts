import {
  ApiKey,
  type DescribeLogDirsRequest,
  type DescribeLogDirsTopic,
  ErrorCode,
} from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import type { LogDirPartition } from './broker-context.js';
import { supportedVersions } from './supported-apis.js';

/** The requested partitions by topic, or null for every partition. */
function requestedOf(body: DescribeLogDirsRequest): Map<string, Set<number>> | null {
  if (body.topics === null) return null;
  const requested = new Map<string, Set<number>>();
  for (const topic of body.topics) {
    const partitions = requested.get(topic.topic) ?? new Set<number>();
    for (const partition of topic.partitions) partitions.add(partition);
    requested.set(topic.topic, partitions);
  }
  return requested;
}

function topicsOf(
  partitions: readonly LogDirPartition[],
  requested: Map<string, Set<number>> | null,
): DescribeLogDirsTopic[] {
  const byTopic = new Map<string, DescribeLogDirsTopic>();
  const sorted = [...partitions].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
  for (const partition of sorted) {
    if (requested !== null && requested.get(partition.topic)?.has(partition.partition) !== true) continue;
    let topic = byTopic.get(partition.topic);
    if (topic === undefined) {
      topic = { name: partition.topic, partitions: [] };
      byTopic.set(partition.topic, topic);
    }
    topic.partitions.push({
      partitionIndex: partition.partition,
      partitionSize: partition.sizeBytes,
      offsetLag: partition.offsetLag,
      isFutureKey: false,
    });
  }
  return [...byTopic.values()];
}

/**
 * DescribeLogDirs: every log dir with the requested partitions it holds (all of them for a null
 * topic list), each with its size in bytes and the lag of its log end behind the high watermark;
 * v4 adds the volume's total and usable bytes (statfs; for `storage: 'memory'` the machine's
 * memory). No partition is ever a "future" replica: AlterReplicaLogDirs is not served. A dir whose
 * volume cannot be read answers KAFKA_STORAGE_ERROR, as Kafka's offline dirs do.
 */
export const describeLogDirsHandler: ApiHandler<typeof ApiKey.DescribeLogDirs> = {
  apiKey: ApiKey.DescribeLogDirs,
  versions: supportedVersions(ApiKey.DescribeLogDirs),
  async handle(context, body) {
    const requested = requestedOf(body);
    const dirs = await context.logDirs();
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: dirs.map((dir) => ({
        errorCode: dir.errorCode,
        logDir: dir.path,
        topics: topicsOf(dir.partitions, requested),
        totalBytes: dir.totalBytes,
        usableBytes: dir.usableBytes,
      })),
    };
  },
  errorResponse(_body, errorCode) {
    return { throttleTimeMs: 0, errorCode, results: [] };
  },
};
