import { randomBytes } from 'node:crypto';
import {
  type BrokerEndpoint,
  METADATA_VERSION_FEATURE,
  type MetadataImage,
  type MetadataRecord,
  metadataVersionOf,
  type SupportedFeature,
} from '../metadata/index.js';
import { type ListenerEndpoint, resolveAdvertisedListeners, type SocketServer } from '../network/index.js';
import { MetadataRecordType, randomUuid, type Uuid } from '../protocol/index.js';
import type { BrokerConfig } from './broker-config.js';
import type { LocalMetadataLog } from './local-metadata-log.js';

/** The metadata.version a new single-node cluster starts at (Kafka 3.9's level, IBP_3_9_IV0). */
export const BOOTSTRAP_METADATA_VERSION = 21;

const SECURITY_PROTOCOL_IDS = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 } as const;

/** The endpoints as RegisterBrokerRecord.endPoints holds them. */
function endPointsOf(advertised: readonly ListenerEndpoint[]): BrokerEndpoint[] {
  return advertised.map((endpoint) => ({
    name: endpoint.name,
    host: endpoint.host,
    port: endpoint.port,
    securityProtocol: SECURITY_PROTOCOL_IDS[endpoint.securityProtocol],
  }));
}

const SUPPORTED_FEATURES: readonly SupportedFeature[] = [
  { name: METADATA_VERSION_FEATURE, minSupportedVersion: 1, maxSupportedVersion: BOOTSTRAP_METADATA_VERSION },
];

/** The image registers `nodeId` unfenced, not shutting down, with exactly these endpoints and features. */
function isRegistered(image: MetadataImage, nodeId: number, endPoints: readonly BrokerEndpoint[]): boolean {
  const current = image.brokers.get(nodeId);
  return (
    current !== undefined &&
    !current.fenced &&
    !current.inControlledShutdown &&
    current.rack === null &&
    sameItems(
      current.listeners,
      endPoints,
      (a, b) =>
        a.name === b.name &&
        a.host === b.host &&
        a.port === b.port &&
        a.securityProtocol === b.securityProtocol,
    ) &&
    sameItems(
      current.supportedFeatures,
      SUPPORTED_FEATURES,
      (a, b) =>
        a.name === b.name &&
        a.minSupportedVersion === b.minSupportedVersion &&
        a.maxSupportedVersion === b.maxSupportedVersion,
    )
  );
}

function sameItems<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  return a.length === b.length && a.every((item, index) => same(item, b[index]!));
}

/**
 * The records that register this broker on `image`: on a new cluster first the metadata.version
 * FeatureLevelRecord, then a RegisterBrokerRecord with the advertised endpoints, unfenced (a single
 * node needs no heartbeat to be trusted), its epoch `brokerEpoch`. None when the image already
 * registers it with the same endpoints and features (a restart with fixed ports), so restarts do
 * not grow the metadata log.
 */
export function brokerRegistrationRecords(
  image: MetadataImage,
  nodeId: number,
  advertised: readonly ListenerEndpoint[],
  brokerEpoch: bigint,
  incarnationId: Uuid,
): MetadataRecord[] {
  const endPoints = endPointsOf(advertised);
  const records: MetadataRecord[] = [];
  if (metadataVersionOf(image) === 0) {
    records.push({
      type: MetadataRecordType.FeatureLevelRecord,
      version: 0,
      data: { name: METADATA_VERSION_FEATURE, featureLevel: BOOTSTRAP_METADATA_VERSION },
    });
  } else if (isRegistered(image, nodeId, endPoints)) {
    return records;
  }
  records.push({
    type: MetadataRecordType.RegisterBrokerRecord,
    version: 3,
    data: {
      brokerId: nodeId,
      isMigratingZkBroker: false,
      incarnationId,
      brokerEpoch,
      endPoints,
      features: SUPPORTED_FEATURES.map((feature) => ({ ...feature })),
      rack: null,
      fenced: false,
      inControlledShutdown: false,
      logDirs: [],
    },
  });
  return records;
}

/**
 * Records this broker in the metadata log once its listeners are bound (see
 * brokerRegistrationRecords; ports configured as 0 are resolved first), its epoch the metadata log's
 * end offset. Returns the advertised endpoints.
 */
export async function registerBroker(
  config: BrokerConfig,
  server: SocketServer,
  metadataLog: LocalMetadataLog,
  nodeId: number,
  image: MetadataImage,
): Promise<ListenerEndpoint[]> {
  const advertised = resolveAdvertisedListeners(
    config.listeners,
    config.advertisedListeners ?? undefined,
    server.boundListeners,
    'localhost',
  );
  const records = brokerRegistrationRecords(
    image,
    nodeId,
    advertised,
    metadataLog.logEndOffset,
    randomUuid((size) => randomBytes(size)),
  );
  if (records.length > 0) await metadataLog.commit(records);
  return advertised;
}
