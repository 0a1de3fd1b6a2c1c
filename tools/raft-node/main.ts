/**
 * A replicated key-value node (src/raft/host/kv) as a process, for the multi-process tests and bench/raft:
 *
 *   node --import tsx tools/raft-node/main.ts --id 1 --voters 1,2,3 --data-dir /tmp/n1 \
 *     --address-dir /tmp/cluster [--cluster-id demo] [--election-timeout-ms 300] [--host 127.0.0.1]
 *
 * Listens on free ports for peers and clients, publishes them in --address-dir/<id>.json and finds its
 * peers there. State lives in --data-dir (FileRaftStorage, fsync on every write): kill it with SIGKILL
 * and start it again with the same arguments. SIGTERM/SIGINT close it cleanly. Logs go to stderr.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { FileRaftStorage } from '../../src/raft/host/file-raft-storage.js';
import { publishNodeAddress, raftAddressIn } from '../../src/raft/host/kv/address-directory.js';
import { startRaftKvNode } from '../../src/raft/host/kv/raft-kv-node.js';
import { NodeFileSystem } from '../../src/storage/index.js';
import { LatencyTrace } from './latency-trace.js';
import { NodeStats } from './node-stats.js';

const program = new Command()
  .requiredOption('--id <id>', 'this node id', Number)
  .requiredOption('--voters <ids>', 'comma-separated voter ids', (text) => text.split(',').map(Number))
  .requiredOption('--data-dir <dir>', 'durable Raft state')
  .requiredOption('--address-dir <dir>', 'where nodes publish and find their ports')
  .option('--cluster-id <id>', 'refuse peers of other clusters', 'pyralog-raft-kv')
  .option('--election-timeout-ms <ms>', 'minimum election timeout', Number, 300)
  .option('--host <host>', 'listen address', '127.0.0.1')
  .option('--log-level <level>', 'pino level', 'warn')
  .option('--no-stats', "no per-second 'raft stats' lines at info (node-stats.ts)")
  .option(
    '--max-inflight-writes <n>',
    'ready() writes in flight at once (RaftOptions.maxInflightWrites; 1 = no pipelining: 2 measured slower on the shared development disk, see src/raft/README.md)',
    Number,
    1,
  )
  .option(
    '--max-inflight-appends <n>',
    'appends in flight per follower (RaftOptions.maxInflightAppends; default the core default, 256)',
    Number,
  )
  .option('--trace-dir <dir>', 'write <dir>/trace-<id>.txt: per-entry event times (latency-trace.ts)')
  .option('--zero-ahead-bytes <n>', 'zeros written ahead of the log (FileRaftStorage zeroAheadBytes)', Number)
  .option(
    '--no-dsync',
    'plain segment writes made durable by an fdatasync (FileRaftStorage dsync false; default: O_DSYNC, one write per persist)',
  )
  .option(
    '--status-every-ms <ms>',
    'print a status line (role, commit, applied) to stdout this often',
    Number,
    0,
  )
  .parse();
const options = program.opts<{
  id: number;
  voters: number[];
  dataDir: string;
  addressDir: string;
  clusterId: string;
  electionTimeoutMs: number;
  host: string;
  logLevel: string;
  statusEveryMs: number;
  zeroAheadBytes: number | undefined;
  dsync: boolean;
  stats: boolean;
  traceDir: string | undefined;
  maxInflightWrites: number;
  maxInflightAppends: number | undefined;
}>();

const logger = pino({ level: options.logLevel, base: { nodeId: options.id } }, pino.destination(2));
const stats = options.stats && logger.isLevelEnabled('info') ? new NodeStats(logger) : undefined;
const trace =
  options.traceDir === undefined
    ? undefined
    : new LatencyTrace(join(options.traceDir, `trace-${options.id}.txt`));
const storage = await FileRaftStorage.open(new NodeFileSystem(), options.dataDir, {
  dsync: options.dsync,
  ...(options.zeroAheadBytes === undefined ? {} : { zeroAheadBytes: options.zeroAheadBytes }),
});
const node = await startRaftKvNode({
  raft: {
    id: options.id,
    bootstrapConfig: { voters: options.voters, learners: [] },
    electionTimeoutMs: options.electionTimeoutMs,
    maxInflightWrites: options.maxInflightWrites,
    ...(options.maxInflightAppends === undefined ? {} : { maxInflightAppends: options.maxInflightAppends }),
  },
  clusterId: options.clusterId,
  storage,
  peerAddress: raftAddressIn(options.addressDir),
  host: options.host,
  logger,
  onFatal: () => process.exit(70),
  ...(trace === undefined ? {} : { trace }),
  ...(stats === undefined
    ? {}
    : {
        onPersisted: (ms: number, entries: number) => stats.persisted(ms, entries),
        onRoleChange: () => stats.roleChanged(),
      }),
});
publishNodeAddress(options.addressDir, options.id, {
  host: options.host,
  raftPort: node.raftPort,
  clientPort: node.clientPort,
  pid: process.pid,
});
console.log(
  `raft-node ${options.id} ready raft=${node.raftPort} client=${node.clientPort} pid=${process.pid}`,
);

if (options.statusEveryMs > 0) {
  // `status {json}` lines for tools/raft-node/local-cluster.ts (bench/raft waits for a restarted node's catch-up).
  setInterval(() => {
    const { role, term, leaderId, commitIndex, appliedIndex, lastIndex } = node.driver.status();
    const status = { role, term, leaderId, commitIndex, appliedIndex, lastIndex };
    process.stdout.write(`status ${JSON.stringify(status)}\n`);
  }, options.statusEveryMs).unref();
}

let closing = false;
const shutdown = (): void => {
  if (closing) return;
  closing = true;
  stats?.close();
  trace?.close();
  void node.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: String(error) }, 'close failed');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
