// The storage benches' one way to open their log: partition 0 of topic "bench" in `dir` on the real
// file system and clock, reopened after a clean close; `config` holds the Kafka config keys a bench
// sets, and `options` the PartitionLog options it varies (zero-ahead, writes and fsyncs in flight,
// O_DSYNC segments).
import {
  NodeFileSystem,
  PartitionLog,
  type PartitionLogOptions,
  resolveLogConfig,
  systemClock,
} from '../../src/storage/index.js';

export function openBenchLog(
  dir: string,
  config: Record<string, string> = {},
  options: Pick<
    PartitionLogOptions,
    'zeroAheadMaxBytes' | 'writesInFlight' | 'syncsInFlight' | 'dsyncSegments'
  > = {},
): Promise<PartitionLog> {
  return PartitionLog.open({
    fs: new NodeFileSystem(),
    dir,
    topic: 'bench',
    partition: 0,
    config: resolveLogConfig(config),
    clock: systemClock,
    // Each phase reopens the log the previous one closed cleanly.
    isCleanShutdown: true,
    ...options,
  });
}
