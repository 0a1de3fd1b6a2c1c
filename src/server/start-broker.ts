import { randomBytes } from 'node:crypto';
import { type Logger, pino } from 'pino';
import { type AdminListenerAddress, AdminServer } from '../admin/index.js';
import {
  BrokerStats,
  coordinatorVerifier,
  createRequestDispatcher,
  FetchReadAhead,
  FetchSessionCache,
  partitionMarkerWriter,
  startGroupCoordinator,
  startTxnCoordinator,
} from '../broker/index.js';
import { CLUSTER_METADATA_TOPIC, LocalController } from '../controller/index.js';
import { ProducerIdManager } from '../coordinator/index.js';
import { MetadataLoader } from '../metadata/index.js';
import { BufferPool, type ListenerEndpoint, SocketServer } from '../network/index.js';
import { randomUuid } from '../protocol/index.js';
import { ReplicaManager } from '../replication/index.js';
import {
  type FileSystem,
  LogManager,
  MemoryFileSystem,
  NodeFileSystem,
  resolveLogConfig,
} from '../storage/index.js';
import { apiLedgerFromEnv } from './api-ledger-file.js';
import type { BrokerConfig } from './broker-config.js';
import { brokerProperties } from './broker-properties.js';
import { registerBroker } from './broker-registration.js';
import { brokerStorageConfig } from './broker-storage-config.js';
import { ComponentLoggers } from './component-loggers.js';
import { createConfigAdmin } from './config-admin.js';
import { createConfigRules } from './config-rules.js';
import { dynamicBrokerLayers, effectiveBrokerProperties } from './dynamic-broker-config.js';
import { groupSettings } from './group-settings.js';
import { reconfigureAllLogs } from './live-config.js';
import { loadBrokerConfig } from './load-broker-config.js';
import { LocalMetadataLog } from './local-metadata-log.js';
import { describeLogDirs } from './log-dirs-view.js';
import { loggerRoutes } from './logger-routes.js';
import { loadOrFormatClusterId } from './meta-properties.js';
import { PartitionPublisher } from './partition-publisher.js';
import { applyStaticReload, type StaticConfigReload } from './static-config-reload.js';
import { topicOverrides } from './topic-overrides.js';
import { txnSettings } from './txn-settings.js';

export interface StartBrokerOptions {
  /** Port of the PLAINTEXT listener; 0 (the default) lets the OS pick. Ignored with `brokerConfig`. */
  readonly port?: number;
  /** Host to bind and advertise (default 127.0.0.1). Ignored with `brokerConfig`. */
  readonly host?: string;
  /** Log directories, or 'memory' for an in-memory file system (lost on stop). Default 'memory'. */
  readonly logDirs?: readonly string[] | 'memory';
  /** Broker config overrides by Kafka name (`auto.create.topics.enable`, `num.partitions`, …). */
  readonly config?: Readonly<Record<string, string>>;
  /** A configuration already resolved (the CLI's); replaces port, host, logDirs and config. */
  readonly brokerConfig?: BrokerConfig;
  /** Defaults to a silent logger. */
  readonly logger?: Logger;
  /**
   * Called once the admin listener (`admin.listener`) is bound, before anything else starts; start-up
   * waits for the returned promise (a test can watch /ready answer 503 during start-up).
   */
  readonly onAdminListening?: (address: AdminListenerAddress) => Promise<void>;
}

export interface RunningBroker {
  readonly nodeId: number;
  readonly clusterId: string;
  /** Host and port of the first listener as advertised. */
  readonly host: string;
  readonly port: number;
  /** `host:port`, ready for a client's bootstrap servers. */
  readonly bootstrap: string;
  readonly listeners: readonly ListenerEndpoint[];
  readonly logDirs: readonly string[];
  /** Milliseconds from the call to ready. */
  readonly startupMs: number;
  /** The admin HTTP listener's bound address; null when `admin.listener` is empty. */
  readonly admin: AdminListenerAddress | null;
  /** The per-component loggers (levels changeable at runtime). */
  readonly loggers: ComponentLoggers;
  /**
   * Applies a new reading of the static configuration (server.properties re-read on SIGHUP): its
   * dynamic keys take effect at once (validated as IncrementalAlterConfigs validates, all or
   * nothing; dynamic configs set through the Kafka API still take precedence); changed read-only
   * keys are reported and wait for a restart.
   */
  reloadConfig(next: BrokerConfig): StaticConfigReload;
  /** Long-poll fetches held right now (diagnostics and tests). */
  readonly heldFetches: number;
  /** Stops accepting, answers in-flight requests, flushes and closes the logs, releases the dir locks. Idempotent. */
  stop(): Promise<void>;
}

/** `host:port`, with an IPv6 host in brackets as listeners and bootstrap strings need it. */
function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function configOf(options: StartBrokerOptions): BrokerConfig {
  if (options.brokerConfig !== undefined) return options.brokerConfig;
  const host = options.host ?? '127.0.0.1';
  const logDirs = options.logDirs ?? 'memory';
  const settings: Record<string, string> = {
    listeners: `PLAINTEXT://${hostPort(host, options.port ?? 0)}`,
    ...(logDirs === 'memory'
      ? { 'pyralog.storage': 'memory', 'log.dirs': '/pyralog-memory' }
      : { 'log.dirs': logDirs.join(',') }),
    // Embedded brokers serve no admin HTTP unless asked: several in one process must not fight over 9644.
    'admin.listener': '',
    ...options.config,
  };
  return loadBrokerConfig({
    flags: { overrides: Object.entries(settings).map(([key, value]) => `${key}=${value}`) },
  });
}

/**
 * Starts a single-node broker. Order: resolve the config; lock and open the log dirs (recovering
 * after a crash); read or write the cluster id; load the newest metadata snapshot and replay the
 * local metadata log after it into the image, which opens every partition log through the
 * PartitionPublisher; replay __consumer_offsets into the group coordinator and __transaction_state into the transaction
 * coordinator (which writes the markers of transactions it finds ending); bind the listeners;
 * record this broker's registration (with the bound ports) in the metadata log unless the image
 * already holds it; ready. `stop` reverses it: release held long polls and held group requests,
 * stop accepting and finish in-flight requests, write a metadata snapshot when the log grew since
 * the last one, then flush and close every log (clean-shutdown markers) and release the dir locks.
 * Throws BrokerConfigError for a bad
 * configuration and LogDirLockedError when another process holds a log dir.
 */
export async function startBroker(options: StartBrokerOptions = {}): Promise<RunningBroker> {
  const startedAt = performance.now();
  const config = configOf(options);
  const loggers = new ComponentLoggers(options.logger ?? pino({ level: 'silent' }));
  const admin =
    config.adminListener === null
      ? undefined
      : new AdminServer({
          address: config.adminListener,
          logger: loggers.get('admin'),
          routes: loggerRoutes(loggers),
        });
  const adminAddress = (await admin?.start()) ?? null;
  try {
    if (adminAddress !== null) await options.onAdminListening?.(adminAddress);
    return await startBrokerParts(config, loggers, startedAt, admin, adminAddress);
  } catch (error: unknown) {
    await admin?.close();
    throw error;
  }
}

async function startBrokerParts(
  config: BrokerConfig,
  loggers: ComponentLoggers,
  startedAt: number,
  admin: AdminServer | undefined,
  adminAddress: AdminListenerAddress | null,
): Promise<RunningBroker> {
  const nodeId = config.values['node.id'];
  const isMemory = config.values['pyralog.storage'] === 'memory';
  const fsyncJournalPath = config.values['pyralog.test.fsync.journal'];
  const nodeFs = isMemory
    ? undefined
    : new NodeFileSystem(fsyncJournalPath === null ? {} : { fsyncJournalPath });
  const fs: FileSystem = nodeFs ?? new MemoryFileSystem();
  const properties = brokerProperties(config);
  let loader: MetadataLoader | undefined;
  const logs = await LogManager.open({
    fs,
    logDirs: config.logDirs,
    brokerProperties: properties,
    brokerConfig: brokerStorageConfig(config),
    topicOverrides: (topic) => (loader === undefined ? {} : topicOverrides(loader.image, topic)),
    logger: loggers.get('storage'),
  });
  try {
    const firstDir = config.logDirs[0]!;
    const clusterId = await loadOrFormatClusterId(fs, firstDir, nodeId);
    loader = new MetadataLoader({ clusterId });
    const replicas = new ReplicaManager({ persistLogStartOffsets: () => logs.checkpointLogStartOffsets() });
    const metadataLog = new LocalMetadataLog({
      log: await logs.getOrCreateLog(CLUSTER_METADATA_TOPIC, 0),
      loader,
      fs,
      nowMs: () => Date.now(),
      maxBytesBetweenSnapshots: config.values['metadata.log.max.record.bytes.between.snapshots'],
      maxSnapshotIntervalMs: config.values['metadata.log.max.snapshot.interval.ms'],
      warn: (message) => loggers.get('metadata').warn(message),
    });
    await metadataLog.replay();
    // Installed after the replay, the publisher sees one snapshot of the final image rather than
    // every step: a topic deleted and re-created under the same name must not have its new log
    // opened as the old topic's and then deleted with it; stray logs are removed there too.
    await loader.installPublisher(
      new PartitionPublisher(nodeId, logs, replicas, properties, (message) =>
        loggers.get('metadata').warn(message),
      ),
    );
    const image = () => loader!.image;
    const logConfigProblem = (
      configs: Readonly<Record<string, string>>,
      staticProperties: Readonly<Record<string, string>>,
    ): string | null => {
      try {
        resolveLogConfig(
          configs,
          effectiveBrokerProperties(staticProperties, dynamicBrokerLayers(image(), nodeId)),
        );
        return null;
      } catch (error: unknown) {
        return error instanceof Error ? error.message : String(error);
      }
    };
    const controller = new LocalController({
      image,
      commit: async (records) => {
        await metadataLog.commit(records);
      },
      rules: {
        brokerIds: [nodeId],
        configProblem: (configs) => logConfigProblem(configs, properties),
        newTopicId: () => randomUuid((size) => randomBytes(size)),
      },
      configRules: createConfigRules(properties, nodeId),
    });
    let describedConfig = config;
    const describerContext = {
      nodeId,
      get config() {
        return describedConfig;
      },
      staticProperties: properties,
    };
    const apiLedger = apiLedgerFromEnv();
    const brokerLogger = loggers.get('broker');
    const groups = await startGroupCoordinator(
      { replicas, controller, metadata: image, logger: loggers.get('group-coordinator') },
      groupSettings(config),
    );
    const producerIds = new ProducerIdManager(() =>
      controller.allocateProducerIds({
        brokerId: nodeId,
        brokerEpoch: loader!.image.brokers.get(nodeId)?.epoch ?? -1n,
      }),
    );
    const transactions = await startTxnCoordinator(
      {
        replicas,
        controller,
        logger: loggers.get('transaction-coordinator'),
        producerIds,
        markers: partitionMarkerWriter(
          replicas,
          () => Date.now(),
          async (done) => groups.completeTransaction(done.producerId, done.isCommit, done.partitions),
        ),
      },
      txnSettings(config),
    );
    const stats = new BrokerStats();
    const readBuffers = new BufferPool();
    let server: SocketServer | undefined;
    admin?.attach({
      nodeId,
      clusterId,
      metadata: image,
      replicas,
      stats,
      network: () => server?.metrics,
      groups,
    });
    server = new SocketServer({
      listeners: config.listeners,
      handler: createRequestDispatcher({
        nodeId,
        clusterId,
        metadata: image,
        replicas,
        controller,
        producerIds,
        transactions,
        transactionVerifier: coordinatorVerifier(transactions),
        logDirs: () => describeLogDirs(logs, replicas),
        configs: createConfigAdmin(image, controller, describerContext),
        groups,
        config: {
          autoCreateTopicsEnable: config.values['auto.create.topics.enable'],
          numPartitions: config.values['num.partitions'],
          defaultReplicationFactor: config.values['default.replication.factor'],
          deleteTopicEnable: config.values['delete.topic.enable'],
        },
        logger: brokerLogger,
        requestLogger: loggers.get('request'),
        nowMs: () => Date.now(),
        apiLedger: apiLedger?.ledger,
        fetchSessions: new FetchSessionCache({
          maxEntries: config.values['max.incremental.fetch.session.cache.slots'],
          randomInt: () => randomBytes(4).readInt32BE(0),
        }),
        readBuffers,
        readAhead: new FetchReadAhead(readBuffers, {
          maxBytes: config.values['pyralog.fetch.read.ahead.max.bytes'],
          ranges: config.values['pyralog.fetch.read.ahead.ranges'],
          rangesPerRead: config.values['pyralog.fetch.read.ahead.ranges.per.read'],
        }),
        stats,
      }),
      logger: loggers.get('network'),
      socketRequestMaxBytes: config.values['socket.request.max.bytes'],
      connectionsMaxIdleMs: config.values['connections.max.idle.ms'],
    });
    await server.start();
    const advertised = await registerBroker(config, server, metadataLog, nodeId, loader.image);
    admin?.markListenersUp();
    const first = advertised[0]!;
    const socketServer = server;
    let stopping: Promise<void> | undefined;
    return {
      nodeId,
      clusterId,
      host: first.host,
      port: first.port,
      bootstrap: hostPort(first.host, first.port),
      listeners: advertised,
      logDirs: config.logDirs,
      startupMs: performance.now() - startedAt,
      admin: adminAddress,
      loggers,
      reloadConfig(next) {
        const result = applyStaticReload(
          {
            properties,
            problem: (candidate) => logConfigProblem({}, candidate),
            reconfigureAllLogs: () =>
              reconfigureAllLogs(
                image(),
                nodeId,
                properties,
                (topic, partition) => logs.getLog(topic, partition),
                (message) => loggers.get('config').warn(message),
              ),
          },
          brokerProperties(next),
        );
        if (result.refused === null) describedConfig = next;
        return result;
      },
      get heldFetches() {
        return replicas.delayedFetches.size;
      },
      stop() {
        stopping ??= (async () => {
          admin?.markStopping();
          replicas.close();
          transactions.close();
          groups.close();
          await socketServer.shutdown();
          await apiLedger?.flush();
          try {
            await metadataLog.close();
          } finally {
            await logs.close();
          }
          await nodeFs?.closeJournal();
          await admin?.close();
        })();
        return stopping;
      },
    };
  } catch (error: unknown) {
    await logs.close().catch(() => {});
    throw error;
  }
}
