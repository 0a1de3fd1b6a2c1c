// Test-only: a BrokerContext over in-memory logs and a local controller, and a way to call the
// dispatcher with an encoded request and read the decoded response, with no socket involved.
import { LocalController } from '../controller/index.js';
import {
  DEFAULT_GROUP_COORDINATOR_CONFIG,
  DEFAULT_TXN_COORDINATOR_CONFIG,
  type GroupClock,
  ProducerIdManager,
  type TxnMarkerWriter,
} from '../coordinator/index.js';
import {
  computeLocalReplicaChanges,
  emptyMetadataImage,
  MetadataDelta,
  type MetadataImage,
  type MetadataRecord,
} from '../metadata/index.js';
import { BufferPool, type ConnectionInfo, type NetworkRequest } from '../network/index.js';
import {
  type ApiKey,
  ByteReader,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  type RequestBodies,
  type RequestHeaderFor,
  type ResponseBodies,
  randomUuid,
} from '../protocol/index.js';
import { Partition, ReplicaManager } from '../replication/index.js';
import {
  brokerProperties,
  createConfigAdmin,
  createConfigRules,
  dynamicBrokerLayers,
  effectiveBrokerProperties,
  loadBrokerConfig,
  reconfigureLogs,
} from '../server/index.js';
import { LogManager, MemoryFileSystem, resolveLogConfig } from '../storage/index.js';
import type { BrokerContext } from './broker-context.js';
import { BrokerStats } from './broker-stats.js';
import { FetchReadAhead } from './fetch-read-ahead.js';
import { FetchSessionCache } from './fetch-session-cache.js';
import { type GroupSettings, startGroupCoordinator } from './groups/start-group-coordinator.js';
import { createRequestDispatcher } from './request-dispatcher.js';
import { startTxnCoordinator, type TxnSettings } from './transactions/start-txn-coordinator.js';
import { partitionMarkerWriter } from './transactions/txn-marker-writer.js';
import { coordinatorVerifier } from './transactions/txn-verifier.js';

export interface TestBroker {
  readonly context: BrokerContext;
  /** The client id the next calls send (group member ids start with it). */
  clientId: string;
  /** Request frames a handler recycled (NetworkRequest.recycleFrame); each is overwritten then. */
  recycledFrames: number;
  /**
   * What the next calls' requests say in `isFrameRecyclable` (default true: every frame is one a
   * handler must recycle, as a pooled one; false: views of socket reads, which nothing recycles).
   */
  framesRecyclable: boolean;
  /** `wireVersion` rewrites the version in the header after encoding (versions the codecs lack). */
  call<K extends ApiKey>(
    apiKey: K,
    version: number,
    body: RequestBodies[K],
    wireVersion?: number,
  ): Promise<ResponseBodies[K] | null>;
  /** The logs behind the partitions (tests look at dirs and offsets through it). */
  readonly logs: LogManager;
  readonly fs: MemoryFileSystem;
  /** Applies metadata records as the controller's commit does (e.g. a broker registration). */
  commitMetadata(records: readonly MetadataRecord[]): Promise<void>;
  close(): Promise<void>;
}

export function testConnection(): ConnectionInfo {
  return {
    id: 'TEST-1',
    listenerName: 'PLAINTEXT',
    securityProtocol: 'PLAINTEXT',
    remoteAddress: '127.0.0.1',
    remotePort: 1,
    clientId: null,
    clientSoftwareName: null,
    clientSoftwareVersion: null,
  };
}

/** Group settings for tests: Kafka's defaults but 4 offsets partitions and no initial rebalance delay. */
export const TEST_GROUP_SETTINGS: GroupSettings = Object.freeze({
  coordinator: { ...DEFAULT_GROUP_COORDINATOR_CONFIG, groupInitialRebalanceDelayMs: 0 },
  numPartitions: 4,
  replicationFactor: 1,
  segmentBytes: 1024 * 1024,
  retentionCheckIntervalMs: 600_000,
});

/** Transaction settings for tests: Kafka's defaults but 3 __transaction_state partitions. */
export const TEST_TXN_SETTINGS: TxnSettings = Object.freeze({
  coordinator: { ...DEFAULT_TXN_COORDINATOR_CONFIG, numPartitions: 3 },
  replicationFactor: 1,
  segmentBytes: 1024 * 1024,
  minInsyncReplicas: 1,
});

export interface TestBrokerGroupOptions {
  readonly groupSettings?: GroupSettings;
  /** Defaults to real time (both coordinators). */
  readonly clock?: GroupClock;
  readonly txnSettings?: TxnSettings;
  /** How transaction markers are written; defaults to the partitions' own marker append. */
  readonly markers?: (replicas: ReplicaManager) => TxnMarkerWriter;
  /** KIP-890: Produce verifies transactional batches with the transaction coordinator (off unless set). */
  readonly verifyTransactions?: boolean;
}

/**
 * A broker context of node 1 whose topics live in memory; `overrides` sets broker handler config,
 * `properties` the static broker properties (Kafka names, as server.properties would).
 */
export async function createTestBroker(
  overrides: Partial<BrokerContext['config']> = {},
  contextOverrides: Partial<
    Pick<
      BrokerContext,
      | 'controller'
      | 'logger'
      | 'nowMs'
      | 'fetchSessions'
      | 'producerIds'
      | 'transactionVerifier'
      | 'readBuffers'
      | 'readAhead'
    >
  > = {},
  properties: Readonly<Record<string, string>> = {},
  groupOptions: TestBrokerGroupOptions = {},
): Promise<TestBroker> {
  const brokerConfig = loadBrokerConfig({
    flags: {
      overrides: Object.entries({ 'pyralog.storage': 'memory', 'log.dirs': '/logs', ...properties }).map(
        ([key, value]) => `${key}=${value}`,
      ),
    },
  });
  const staticProperties = brokerProperties(brokerConfig);
  const effective = (of: MetadataImage) =>
    effectiveBrokerProperties(staticProperties, dynamicBrokerLayers(of, 1));
  const fs = new MemoryFileSystem();
  const logs = await LogManager.open({
    fs,
    logDirs: ['/logs'],
    schedule: false,
    brokerProperties: staticProperties,
  });
  const replicas = new ReplicaManager({ persistLogStartOffsets: () => logs.checkpointLogStartOffsets() });
  let image: MetadataImage = emptyMetadataImage('test-cluster');
  let offset = 0n;
  let seed = 0;
  // What the server's PartitionPublisher does, without the server: create led logs, delete removed ones.
  const commit = async (records: readonly MetadataRecord[]): Promise<void> => {
    const delta = new MetadataDelta(image);
    for (const record of records) delta.replay(record);
    offset += BigInt(records.length);
    delta.advanceTo({ lastAppliedOffset: offset - 1n, lastAppliedEpoch: 0 });
    const next = delta.apply();
    const changes = computeLocalReplicaChanges(image, next, 1);
    const previous = image;
    image = next;
    for (const removed of changes.deletes) {
      replicas.removePartition(removed.topicName, removed.partitionId);
      await logs.deleteLog(removed.topicName, removed.partitionId);
    }
    for (const leader of changes.leaders) {
      const configs = next.configs.get(`2:${leader.topicName}`)?.configs ?? new Map<string, string>();
      const log = await logs.getOrCreateLog(
        leader.topicName,
        leader.partitionId,
        Object.fromEntries(configs),
      );
      log.updateConfig(resolveLogConfig(Object.fromEntries(configs), effective(next)));
      replicas.addPartition(new Partition(leader.topicId, log, 0));
    }
    reconfigureLogs(
      previous,
      next,
      1,
      staticProperties,
      (topic, partition) => logs.getLog(topic, partition),
      () => {},
    );
  };
  const controller = new LocalController({
    image: () => image,
    commit,
    rules: {
      brokerIds: [1],
      configProblem: (configs) => {
        try {
          resolveLogConfig(configs, effective(image));
          return null;
        } catch (error: unknown) {
          return String(error);
        }
      },
      newTopicId: () => {
        seed += 1;
        return randomUuid((size) => Buffer.alloc(size, seed));
      },
    },
    configRules: createConfigRules(staticProperties, 1),
  });
  const logger = { error: () => {}, warn: () => {}, debug: () => {} };
  const effectiveController = contextOverrides.controller ?? controller;
  const groups = await startGroupCoordinator(
    {
      replicas,
      controller: effectiveController,
      metadata: () => image,
      logger,
      ...(groupOptions.clock === undefined ? {} : { clock: groupOptions.clock }),
    },
    groupOptions.groupSettings ?? TEST_GROUP_SETTINGS,
  );
  const producerIds =
    contextOverrides.producerIds ??
    new ProducerIdManager(() => controller.allocateProducerIds({ brokerId: 1, brokerEpoch: 0n }));
  const transactions = await startTxnCoordinator(
    {
      replicas,
      controller: effectiveController,
      logger,
      producerIds,
      markers: (
        groupOptions.markers ??
        ((r) =>
          partitionMarkerWriter(
            r,
            () => Date.now(),
            async (done) => groups.completeTransaction(done.producerId, done.isCommit, done.partitions),
          ))
      )(replicas),
      ...(groupOptions.clock === undefined ? {} : { clock: groupOptions.clock }),
    },
    groupOptions.txnSettings ?? TEST_TXN_SETTINGS,
  );
  const readBuffers = new BufferPool();
  const context: BrokerContext = {
    nodeId: 1,
    clusterId: 'test-cluster',
    metadata: () => image,
    replicas,
    controller,
    producerIds,
    transactions,
    ...(groupOptions.verifyTransactions === true
      ? { transactionVerifier: coordinatorVerifier(transactions) }
      : {}),
    configs: createConfigAdmin(() => image, controller, {
      nodeId: 1,
      config: brokerConfig,
      staticProperties,
    }),
    groups,
    logDirs: async () =>
      (await logs.describeDirs()).map((dir) => ({
        path: dir.path,
        errorCode: 0,
        partitions: dir.logs.map((log) => ({
          topic: log.topic,
          partition: log.partition,
          sizeBytes: BigInt(log.sizeInBytes),
          offsetLag: log.logEndOffset - log.highWatermark,
        })),
        totalBytes: BigInt(dir.space?.totalBytes ?? -1),
        usableBytes: BigInt(dir.space?.usableBytes ?? -1),
      })),
    config: {
      autoCreateTopicsEnable: false,
      numPartitions: 1,
      defaultReplicationFactor: 1,
      deleteTopicEnable: true,
      ...overrides,
    },
    logger,
    nowMs: () => Date.now(),
    fetchSessions: new FetchSessionCache({ randomInt: () => (Math.random() * 2 ** 31) | 0 }),
    readBuffers,
    readAhead: new FetchReadAhead(readBuffers, { maxBytes: 16 * 1024 * 1024 }),
    stats: new BrokerStats(),
    ...contextOverrides,
  };
  const dispatch = createRequestDispatcher(context);
  const broker: TestBroker = {
    context,
    clientId: 'test',
    recycledFrames: 0,
    framesRecyclable: true,
    async call<K extends ApiKey>(apiKey: K, version: number, body: RequestBodies[K], wireVersion = version) {
      const header = {
        requestApiKey: apiKey,
        requestApiVersion: version,
        correlationId: 7,
        clientId: broker.clientId,
      };
      const frame = Buffer.concat(encodeRequest(header as RequestHeaderFor<K>, body)).subarray(4);
      frame.writeInt16BE(wireVersion, 2);
      const reader = new ByteReader(frame, 0);
      const decodedHeader = decodeRequestHeader(reader);
      const request: NetworkRequest = {
        header: decodedHeader,
        apiKey,
        apiVersion: wireVersion,
        frame,
        bodyOffset: reader.offset,
        connection: testConnection(),
        isFrameRecyclable: broker.framesRecyclable,
        afterResponseWritten: (release) => releases.push(release),
        // As if the memory served the next request: anything still holding a view of the frame
        // (a log, a pending write) would then read 0xee, which every test here would notice.
        recycleFrame: () => {
          frame.fill(0xee);
          broker.recycledFrames += 1;
        },
      };
      const releases: (() => void)[] = [];
      const chunks = await dispatch(request);
      // What the socket would do: the response's bytes leave (here: copied), then the loans return.
      const written = chunks === null ? null : Buffer.concat(chunks);
      for (const release of releases) release();
      if (written === null) return null;
      const response = written.subarray(4);
      const responseVersion = apiKey === 18 && wireVersion > 4 ? 0 : wireVersion;
      return decodeResponse(apiKey, responseVersion, new ByteReader(response, 0)).body;
    },
    logs,
    fs,
    commitMetadata: commit,
    async close() {
      transactions.close();
      groups.close();
      replicas.close();
      await logs.close();
    },
  };
  return broker;
}
