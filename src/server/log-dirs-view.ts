import type { LogDirInfo } from '../broker/index.js';
import { CLUSTER_METADATA_TOPIC } from '../controller/index.js';
import { ErrorCode } from '../protocol/index.js';
import type { ReplicaManager } from '../replication/index.js';
import type { LogManager } from '../storage/index.js';

/**
 * DescribeLogDirs' view of the log dirs: every partition log with its size and the lag of its log
 * end behind the high watermark, and the volume's space. The metadata log is left out, as Kafka
 * keeps it apart from the partitions it reports. A dir whose volume cannot be read is reported with
 * KAFKA_STORAGE_ERROR and no partitions (Kafka's offline dir).
 */
export async function describeLogDirs(logs: LogManager, replicas: ReplicaManager): Promise<LogDirInfo[]> {
  const dirs = await logs.describeDirs();
  return dirs.map((dir) => {
    if (dir.space === undefined) {
      return {
        path: dir.path,
        errorCode: ErrorCode.KAFKA_STORAGE_ERROR,
        partitions: [],
        totalBytes: -1n,
        usableBytes: -1n,
      };
    }
    return {
      path: dir.path,
      errorCode: ErrorCode.NONE,
      partitions: dir.logs
        .filter((log) => log.topic !== CLUSTER_METADATA_TOPIC)
        .map((log) => {
          const highWatermark =
            replicas.getPartition(log.topic, log.partition)?.highWatermark ?? log.logEndOffset;
          const lag = log.logEndOffset - highWatermark;
          return {
            topic: log.topic,
            partition: log.partition,
            sizeBytes: BigInt(log.sizeInBytes),
            offsetLag: lag > 0n ? lag : 0n,
          };
        }),
      totalBytes: BigInt(dir.space.totalBytes),
      usableBytes: BigInt(dir.space.usableBytes),
    };
  });
}
